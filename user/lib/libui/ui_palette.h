/* libui's colours (0xAARRGGBB), shared by the files that draw widgets: the splash's
 * dark navy with cyan-to-violet accents. */
#pragma once

#define CONTROL_HI  0xff2a3860u
#define CYAN        0xff22d3eeu
#define EDGE        0xff33406au
#define FIELD       0xff0b1122u
#define ROW_SEL     0xff22406au
#define SELECTION   0x8022d3eeu
#define TEXT        0xffe6e9f2u
#define THUMB       0xff4a5a8au
#define VIOLET      0xff8b5cf6u
