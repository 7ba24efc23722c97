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
/* Copies up to n bytes at off (clamped to the size) into buf; the count, or the
 * backing's error (-EIO, -ENOMEM) when nothing was read. */
ssize_t filepages_read(struct filepages *fp, void *buf, size_t n, uint64_t off);
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
/* The same for a mapping that may store to the page (mapw: a writable shared one):
 * the page counts as dirty while any mapping holds it (see filepages_wb_next). */
int filepages_map_w(struct filepages *fp, uint64_t pg, bool priv, bool mapw, paddr_t *out,
                    bool *copied);
int filepages_refs(struct filepages *fp);

/* ---- the page cache: stores backed by a disk file ----
 * A missing page is read from the backing on first use (a hole reads as zeros);
 * pages are dirty after write() (filepages_mark_dirty) and while a writable shared
 * mapping holds them; the owner writes them back with filepages_wb_next/_wb_done;
 * filepages_reclaim gives back clean pages nothing maps. */
struct filepages_backing {
    /* Fills page pg (PAGE_SIZE bytes at kaddr, zeroed) from the disk, bytes past the
     * end of file as zeros. Called with no store lock held. 0 or -EIO/-ENOMEM. */
    int (*readpage)(void *ctx, uint64_t pg, void *kaddr);
    /* Optional, used instead when set: fills pages [pg, pg+n) into frames (zeroed),
     * as readpage each (the page cache's readahead: one disk request per run). */
    int (*readpages)(void *ctx, uint64_t pg, size_t n, const paddr_t *frames);
    /* msync(MS_SYNC): the file's dirty pages and inode to the disk. No lock held. */
    int (*sync)(void *ctx);
};
/* Writes the store's file back through its backing (0 for a memory store). */
int filepages_sync(struct filepages *fp);
/* A store of size bytes over b (ctx is its argument): NULL on OOM. */
struct filepages *filepages_create_backed(const struct filepages_backing *b, void *ctx,
                                          uint64_t size);
/* Page pg's frame, read in on a miss, with a page_ref the caller drops
 * (page_ref_put); below the size unless any_pg (a write about to extend the file).
 * 0, -EIO, -ENOMEM, -EFBIG. */
int filepages_get_page(struct filepages *fp, uint64_t pg, bool any_pg, paddr_t *out);
/* Page pg (still frame pa) is newer than the disk. */
void filepages_mark_dirty(struct filepages *fp, uint64_t pg, paddr_t pa);
/* Write-back: the first page at or after *pg to write (dirty, or held by a
 * writable shared mapping), marked clean now so a later store dirties it again:
 * 0 with *pg, its frame *pa (a reference: pass it to filepages_wb_done) and the
 * size then; -ENOENT when none is left. */
int filepages_wb_next(struct filepages *fp, uint64_t *pg, paddr_t *pa, uint64_t *size);
/* Ends the write of page pg: err (the write failed) marks it dirty again. */
void filepages_wb_done(struct filepages *fp, uint64_t pg, paddr_t pa, int err);
bool filepages_has_dirty(struct filepages *fp);
/* The backing goes away (its file is deleted): a store still mapped elsewhere reads
 * all its pages in first and lives on as a memory store. 0 or the read's error. */
int filepages_detach(struct filepages *fp);
/* Gives back up to want clean, unmapped cache pages (the page allocator's slow
 * path; does nothing with interrupts off): the count freed. */
size_t filepages_reclaim(size_t want);
size_t filepages_reclaim_all(void);
/* More of RAM is dirty cache than write-back should let grow (Linux's
 * dirty_ratio, here 1/5): a writer then writes its own file back before going on. */
bool filepages_too_dirty(void);
/* Pages in the cache, and how many of them are dirty (/proc/meminfo). */
void filepages_stats(uint64_t *cached, uint64_t *dirty);
