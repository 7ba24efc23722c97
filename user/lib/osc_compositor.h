/* The compositor ABI and its wrappers moved to libosc (user/lib/libosc/osc.h);
 * this name stays for programs that include it. */
#pragma once

#include "libosc/osc.h"
