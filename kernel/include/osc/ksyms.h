/* Kernel symbol table: function names for backtraces and register dumps. Built into
 * the image by a second link pass (tools/gensyms.py, Makefile). */
#pragma once

#include <osc/types.h>

/* Returns the name of the kernel function containing addr and sets *offset to addr
 * minus its start, or returns NULL (offset untouched) when addr is outside kernel
 * text or the table is empty (first link pass). offset may be NULL. */
const char *ksyms_lookup(uint64_t addr, uint64_t *offset);

/* The table's layout, emitted by tools/gensyms.py into section .ksyms. */
struct ksym {
    uint64_t addr;          /* sorted ascending */
    uint64_t name_offset;   /* into ksyms_names, NUL-terminated */
};
extern const uint64_t ksyms_count;
extern const uint64_t ksyms_text_end;   /* first address past kernel text */
extern const struct ksym ksyms_table[];
extern const char ksyms_names[];
