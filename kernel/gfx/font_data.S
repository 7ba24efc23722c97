/* The console fonts, embedded at build time: the Makefile gunzips Debian's
 * console-setup Terminus fonts into build/fonts/ (never committed) and puts that
 * directory on the assembler's include path. */
    .section .rodata
    .balign 16
    .global font_console_start, font_console_end
font_console_start:
    .incbin "console.psf"
font_console_end:
    .balign 16
    .global font_title_start, font_title_end
font_title_start:
    .incbin "title.psf"
font_title_end:
    .section .note.GNU-stack,"",@progbits
