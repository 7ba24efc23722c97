/* The C library subset lwIP includes, served by the kernel's own routines. */
#pragma once
#include <osc/lib.h>
