/* The Files app's actions on the filesystem: each returns 0 or a positive errno
 * for the error dialog, and never overwrites what exists. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

int fo_mkdir(const char *path);
/* Renames within a folder; EEXIST when the new name is taken. */
int fo_rename(const char *from, const char *to);
/* Removes a file, or a folder with everything in it. */
int fo_remove(const char *path);
/* Copies the regular file src into folder dir under its name, or "name copy",
 * "name copy 2", ... when taken; the name made goes to made. EISDIR for a
 * folder (copying folders is not done yet). */
int fo_copy(const char *src, const char *dir, char *made, size_t n);
/* Reads up to max bytes of a text file into a new NUL-terminated buffer;
 * EINVAL (with *out NULL) when it does not look like text. */
int fo_read_text(const char *path, size_t max, char **out, size_t *len);
/* Replaces the contents of the existing file path with len bytes of text (the
 * text viewer's Save: the one action that overwrites, on the user's word). */
int fo_write_text(const char *path, const char *text, size_t len);
/* Starts a program through osc-launch (its own home core), as the desktop
 * does; the pid goes to *pid. */
int fo_launch(const char *path, pid_t *pid);
