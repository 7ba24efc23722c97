/* Text console layout core: a character-cell grid with a cursor, wrap, tab stops,
 * backspace and scrolling. Pure and host-tested; fbcon.c renders the grid by
 * diffing it against what is on screen, so only changed cells are drawn. */

#include <osc/console.h>
#include <osc/lib.h>

static void clear_row(struct con_layout *l, uint32_t row)
{
    for (uint32_t c = 0; c < l->cols; c++)
        l->cells[(size_t)row * l->cols + c] = (struct con_cell){ ' ', CON_TEXT };
}

void con_layout_clear(struct con_layout *l)
{
    for (uint32_t r = 0; r < l->rows; r++)
        clear_row(l, r);
    l->cx = l->cy = 0;
}

void con_layout_init(struct con_layout *l, struct con_cell *cells, uint32_t cols, uint32_t rows)
{
    *l = (struct con_layout){ .cells = cells, .cols = cols, .rows = rows, .color = CON_TEXT };
    if (!cells)
        l->cols = l->rows = 0;
    con_layout_clear(l);
}

static void newline(struct con_layout *l)
{
    l->cx = 0;
    if (l->cy + 1 < l->rows) {
        l->cy++;
        return;
    }
    /* Bottom reached: move every row up one and blank the last. */
    if (l->scrolled_out)
        l->scrolled_out(l->scroll_ctx, l->cells, l->cols);
    memmove(l->cells, l->cells + l->cols, (size_t)(l->rows - 1) * l->cols * sizeof(*l->cells));
    clear_row(l, l->rows - 1);
    l->scrolls++;
}

void con_layout_putc(struct con_layout *l, char c)
{
    if (l->cols == 0 || l->rows == 0)
        return;
    switch (c) {
    case '\n':
        newline(l);
        return;
    case '\r':
        l->cx = 0;
        return;
    case '\b':
        if (l->cx > 0)
            l->cx--;
        return;
    case '\t': {
        if (l->cx >= l->cols)
            newline(l);
        uint32_t next = (l->cx / CON_TAB_WIDTH + 1) * CON_TAB_WIDTH;
        l->cx = next < l->cols ? next : l->cols;
        return;
    }
    }
    if ((uint8_t)c < 0x20 || c == 0x7f)
        return;
    if (l->cx >= l->cols)
        newline(l);     /* deferred wrap: a full line followed by '\n' is one line */
    l->cells[(size_t)l->cy * l->cols + l->cx] = (struct con_cell){ (uint8_t)c, l->color };
    l->cx++;
}

void con_layout_write(struct con_layout *l, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        con_layout_putc(l, s[i]);
}

size_t con_layout_sync(const struct con_layout *l, struct con_cell *shown, con_draw_fn draw, void *ctx)
{
    size_t drawn = 0;
    for (uint32_t r = 0; r < l->rows; r++) {
        for (uint32_t c = 0; c < l->cols; c++) {
            size_t i = (size_t)r * l->cols + c;
            if (l->cells[i].ch == shown[i].ch && l->cells[i].color == shown[i].color)
                continue;
            shown[i] = l->cells[i];
            if (draw)
                draw(ctx, c, r, l->cells[i]);
            drawn++;
        }
    }
    return drawn;
}
