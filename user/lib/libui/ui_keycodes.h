/* The Linux key and button codes (include/uapi/linux/input-event-codes.h) that
 * libui and its apps act on: the compositor's key events carry them. Spelled out
 * here because musl ships no kernel headers. */
#pragma once

#ifndef KEY_ESC
#define KEY_ESC         1
#define KEY_BACKSPACE   14
#define KEY_TAB         15
#define KEY_Y           21
#define KEY_ENTER       28
#define KEY_A           30
#define KEY_L           38
#define KEY_Z           44
#define KEY_X           45
#define KEY_C           46
#define KEY_V           47
#define KEY_SPACE       57
#define KEY_F2          60
#define KEY_F10         68
#define KEY_HOME        102
#define KEY_UP          103
#define KEY_PAGEUP      104
#define KEY_LEFT        105
#define KEY_RIGHT       106
#define KEY_END         107
#define KEY_DOWN        108
#define KEY_PAGEDOWN    109
#define KEY_DELETE      111
#define KEY_COMPOSE     127
#endif
#ifndef BTN_LEFT
#define BTN_LEFT        0x110
#define BTN_RIGHT       0x111
#define BTN_MIDDLE      0x112
#endif
