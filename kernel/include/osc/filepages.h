/* File pages: the data of an in-memory regular file (tmpfs) as an array of physical
 * frames, one per 4 KiB of the file (a hole has none and reads as zeros). The frames
 * are the very pages a MAP_SHARED mapping maps, so stores through a mapping and
 * read()/write() see the same bytes. Reference-counted: the file holds one reference
 * and every VMA mapping it another, so a truncated or unlinked file stays valid
 * while mapped. Each frame carries one reference of its own for the store; every
 * page table mapping it adds one through page_ref (kernel/mm/page_ref.c). */
#pragma once

#include <osc/types.h>

struct filepages;

struct filepages *filepages_create(void);      /* empty, one reference; NULL on OOM */
void filepages_get(struct filepages *fp);
/* Drops a reference; the last one gives every frame back (page_ref_put). */
void filepages_put(struct filepages *fp);
uint64_t filepages_size(struct filepages *fp);
/* Frames the store holds now (its real memory use, holes excluded). */
uint64_t filepages_frames(struct filepages *fp);
/* Writable shared mappings (VMA_MAYWRITE) of the store: the mm code counts them up
 * and down (delta), F_SEAL_WRITE refuses to seal while any exist. */
void filepages_writable_maps_add(struct filepages *fp, int delta);
int filepages_writable_maps(struct filepages *fp);
/* Copies up to n bytes at off (clamped to the size) into buf; the count. */
size_t filepages_read(struct filepages *fp, void *buf, size_t n, uint64_t off);
/* Copies buf to off, allocating frames and extending the size; the count written
 * (short when memory runs out), or -EFBIG / -ENOSPC when nothing was written. */
ssize_t filepages_write(struct filepages *fp, const void *buf, size_t n, uint64_t off);
/* Sets the size: shrinking drops the frames past the end (mapped ones live on in
 * their mappings) and zeroes the tail of the last page; growing reads as zeros.
 * 0 or -EFBIG. */
int filepages_truncate(struct filepages *fp, uint64_t size);
/* Gives pages [0, n) (below the size) a frame each now and their addresses in out
 * (the compositor's surfaces: read by the kernel through the direct map while
 * the store lives and is not truncated). 0, -EINVAL or -ENOMEM. */
int filepages_populate(struct filepages *fp, paddr_t *out, size_t n);
/* Page-fault side: the frame of page index pg with a page_ref taken for the caller's
 * page table (page_ref_init must have succeeded). 0, -EIO when the page lies wholly
 * past the end of the file (SIGBUS), or -ENOMEM. For a private mapping (priv), when
 * pg is the last page and its bytes past the end of file are not all zero (stores
 * through a shared mapping), *out is instead a fresh frame holding a copy with that
 * tail zeroed, and *copied is set: the caller owns it outright. */
int filepages_map(struct filepages *fp, uint64_t pg, bool priv, paddr_t *out, bool *copied);
