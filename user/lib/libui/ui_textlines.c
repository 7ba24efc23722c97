/* libui's line model for text areas: lines of a ui_text split at '\n', columns
 * counted in code points, and the Up/Down moves that keep a column. Pure logic,
 * tested on the host (tests/host/test_ui_textarea.c). */
#include "ui.h"

size_t ui_text_line_start(const struct ui_text *t, size_t at)
{
    if (at > t->len)
        at = t->len;
    while (at > 0 && t->buf[at - 1] != '\n')
        at--;
    return at;
}

size_t ui_text_line_end(const struct ui_text *t, size_t at)
{
    if (at > t->len)
        at = t->len;
    while (at < t->len && t->buf[at] != '\n')
        at++;
    return at;
}

int ui_text_line_count(const struct ui_text *t)
{
    int n = 1;
    for (size_t i = 0; i < t->len; i++)
        n += t->buf[i] == '\n';
    return n;
}

int ui_text_line_of(const struct ui_text *t, size_t at)
{
    int n = 0;
    for (size_t i = 0; i < at && i < t->len; i++)
        n += t->buf[i] == '\n';
    return n;
}

size_t ui_text_line_offset(const struct ui_text *t, int line)
{
    size_t i = 0;
    for (; line > 0 && i < t->len; i++)
        if (t->buf[i] == '\n')
            line--;
    return ui_text_line_start(t, i);
}

size_t ui_text_column(const struct ui_text *t, size_t at)
{
    size_t col = 0, i = ui_text_line_start(t, at);
    if (at > t->len)
        at = t->len;
    while (i < at) {
        ui_utf8_decode(t->buf, i, &i);
        col++;
    }
    return col;
}

void ui_text_move_lines(struct ui_text *t, int lines, size_t col, bool extend)
{
    int line = ui_text_line_of(t, t->cursor) + lines, last = ui_text_line_count(t) - 1;
    size_t c;
    if (line < 0) {
        c = 0;
    } else if (line > last) {
        c = t->len;
    } else {
        c = ui_text_line_offset(t, line);
        size_t end = ui_text_line_end(t, c);
        for (; col > 0 && c < end; col--)
            ui_utf8_decode(t->buf, c, &c);
    }
    t->cursor = c;
    if (!extend)
        t->anchor = c;
}
