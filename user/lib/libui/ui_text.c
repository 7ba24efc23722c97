/* The text-editing model behind libui's text fields and areas: a UTF-8 buffer with
 * a cursor and a selection, edited and moved the way desktop text fields behave. */
#include "ui.h"

#include <stdlib.h>
#include <string.h>

bool ui_utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i], need, cp, min;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            need = 1, cp = c & 0x1f, min = 0x80;
        else if (c >= 0xe0 && c <= 0xef)
            need = 2, cp = c & 0x0f, min = 0x800;
        else if (c >= 0xf0 && c <= 0xf4)
            need = 3, cp = c & 0x07, min = 0x10000;
        else
            return false;
        if (n - i <= need)
            return false;
        for (unsigned k = 1; k <= need; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += need + 1;
    }
    return true;
}

unsigned ui_utf8_decode(const char *str, size_t i, size_t *next)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned c = s[i], need = c < 0x80 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
    unsigned cp = need ? c & (0x3f >> need) : c;
    for (unsigned k = 1; k <= need; k++)
        cp = cp << 6 | (s[i + k] & 0x3f);
    *next = i + need + 1;
    return cp;
}

static bool is_continuation(const struct ui_text *t, size_t i)
{
    return i < t->len && ((unsigned char)t->buf[i] & 0xc0) == 0x80;
}

static size_t prev_boundary(const struct ui_text *t, size_t i)
{
    if (i == 0)
        return 0;
    do
        i--;
    while (i > 0 && is_continuation(t, i));
    return i;
}

static size_t next_boundary(const struct ui_text *t, size_t i)
{
    if (i >= t->len)
        return t->len;
    size_t next;
    ui_utf8_decode(t->buf, i, &next);
    return next;
}

static size_t snap(const struct ui_text *t, size_t i)
{
    if (i > t->len)
        return t->len;
    while (i > 0 && is_continuation(t, i))
        i--;
    return i;
}

/* Letters, digits and everything outside ASCII (so words of any script hold
 * together) make words; spaces and ASCII punctuation separate them. */
static bool word_char_at(const struct ui_text *t, size_t i)
{
    unsigned char c = (unsigned char)t->buf[i];
    return c >= 0x80 || c == '_' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

void ui_text_init(struct ui_text *t, size_t max_len)
{
    memset(t, 0, sizeof(*t));
    t->max_len = max_len;
}

void ui_text_free(struct ui_text *t)
{
    free(t->buf);
    ui_text_init(t, t->max_len);
}

static int reserve(struct ui_text *t, size_t len)
{
    if (len + 1 <= t->cap)
        return 0;
    size_t cap = t->cap ? t->cap : 32;
    while (cap < len + 1)
        cap *= 2;
    char *b = realloc(t->buf, cap);
    if (!b)
        return -1;
    t->buf = b;
    t->cap = cap;
    return 0;
}

void ui_text_selection(const struct ui_text *t, size_t *start, size_t *end)
{
    *start = t->anchor < t->cursor ? t->anchor : t->cursor;
    *end = t->anchor < t->cursor ? t->cursor : t->anchor;
}

/* Replaces bytes [start, end) with s (n bytes, already validated); the cursor
 * lands after the new text. */
static int splice(struct ui_text *t, size_t start, size_t end, const char *s, size_t n)
{
    size_t len = t->len - (end - start) + n;
    if ((t->max_len && len > t->max_len) || reserve(t, len))
        return -1;
    memmove(t->buf + start + n, t->buf + end, t->len - end);
    memcpy(t->buf + start, s, n);
    t->len = len;
    t->buf[len] = 0;
    t->cursor = t->anchor = start + n;
    return 0;
}

int ui_text_set(struct ui_text *t, const char *s)
{
    size_t n = strlen(s);
    if (!ui_utf8_valid(s, n))
        return -1;
    return splice(t, 0, t->len, s, n);
}

int ui_text_insert(struct ui_text *t, const char *s, size_t n)
{
    if (!ui_utf8_valid(s, n) || memchr(s, 0, n))
        return -1;
    size_t start, end;
    ui_text_selection(t, &start, &end);
    return splice(t, start, end, s, n);
}

static bool delete_span(struct ui_text *t, size_t start, size_t end)
{
    if (start == end)
        return false;
    splice(t, start, end, "", 0);   /* shrinking cannot fail */
    return true;
}

bool ui_text_delete_back(struct ui_text *t)
{
    size_t start, end;
    ui_text_selection(t, &start, &end);
    if (start == end)
        start = prev_boundary(t, end);
    return delete_span(t, start, end);
}

bool ui_text_delete_forward(struct ui_text *t)
{
    size_t start, end;
    ui_text_selection(t, &start, &end);
    if (start == end)
        end = next_boundary(t, start);
    return delete_span(t, start, end);
}

static size_t word_left(const struct ui_text *t, size_t i)
{
    while (i > 0 && !word_char_at(t, prev_boundary(t, i)))
        i = prev_boundary(t, i);
    while (i > 0 && word_char_at(t, prev_boundary(t, i)))
        i = prev_boundary(t, i);
    return i;
}

static size_t word_right(const struct ui_text *t, size_t i)
{
    while (i < t->len && word_char_at(t, i))
        i = next_boundary(t, i);
    while (i < t->len && !word_char_at(t, i))
        i = next_boundary(t, i);
    return i;
}

void ui_text_move(struct ui_text *t, enum ui_move m, bool extend)
{
    size_t start, end, c = t->cursor;
    ui_text_selection(t, &start, &end);
    bool collapse = !extend && start != end;
    switch (m) {
    case UI_MOVE_LEFT:
        c = collapse ? start : prev_boundary(t, c);
        break;
    case UI_MOVE_RIGHT:
        c = collapse ? end : next_boundary(t, c);
        break;
    case UI_MOVE_WORD_LEFT:
        c = word_left(t, c);
        break;
    case UI_MOVE_WORD_RIGHT:
        c = word_right(t, c);
        break;
    case UI_MOVE_LINE_START:
        while (c > 0 && t->buf[c - 1] != '\n')
            c--;
        break;
    case UI_MOVE_LINE_END:
        while (c < t->len && t->buf[c] != '\n')
            c++;
        break;
    case UI_MOVE_DOC_START:
        c = 0;
        break;
    case UI_MOVE_DOC_END:
        c = t->len;
        break;
    }
    t->cursor = c;
    if (!extend)
        t->anchor = c;
}

void ui_text_select_all(struct ui_text *t)
{
    t->anchor = 0;
    t->cursor = t->len;
}

void ui_text_select(struct ui_text *t, size_t anchor, size_t cursor)
{
    t->anchor = snap(t, anchor);
    t->cursor = snap(t, cursor);
}

char *ui_text_copy_selection(const struct ui_text *t)
{
    size_t start, end;
    ui_text_selection(t, &start, &end);
    if (start == end)
        return NULL;
    char *s = malloc(end - start + 1);
    if (s) {
        memcpy(s, t->buf + start, end - start);
        s[end - start] = 0;
    }
    return s;
}
