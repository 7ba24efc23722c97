/* lwIP includes <stdio.h> in a few places; the kernel has no stdio. */
#pragma once
#include <osc/lib.h>
#define snprintf ksnprintf
