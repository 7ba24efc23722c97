/* Linux errno values (asm-generic/errno-base.h numbering); kernel functions return
 * them negated. */
#pragma once

#define EPERM    1
#define ENOENT   2
#define ESRCH    3
#define EINTR    4
#define EIO      5
#define ENXIO    6
#define E2BIG    7
#define ENOEXEC  8
#define ENOTBLK 15
#define EBADF    9
#define ECHILD  10
#define EAGAIN  11
#define ENOMEM  12
#define EACCES  13
#define EFAULT  14
#define EBUSY   16
#define EEXIST  17
#define ENODEV  19
#define ENOTDIR 20
#define EISDIR  21
#define EINVAL  22
#define ENFILE  23
#define EMFILE  24
#define ENOTTY  25
#define EFBIG   27
#define ENOSPC  28
#define ESPIPE  29
#define EROFS   30
#define EPIPE   32
#define EDOM    33
#define ERANGE  34
#define EDEADLK 35
#define ENAMETOOLONG 36
#define ENOSYS  38
#define ELOOP   40
#define ENOTEMPTY 39
#define ETIMEDOUT 110
#define EXDEV   18
#define EMLINK  31
#define EOVERFLOW 75
#define ENODATA 61
#define ENOMSG  42
#define EIDRM   43
#define ELIBBAD 80      /* a PT_INTERP loader that is not a loadable shared object */
#define EOPNOTSUPP 95
/* sockets */
#define ENOTSOCK 88
#define EDESTADDRREQ 89
#define EMSGSIZE 90
#define EPROTOTYPE 91
#define ENOPROTOOPT 92
#define EPROTONOSUPPORT 93
#define ESOCKTNOSUPPORT 94
#define EAFNOSUPPORT 97
#define EADDRINUSE 98
#define ENETDOWN 100
#define ECONNRESET 104
#define ENOBUFS 105
#define EISCONN 106
#define ENOTCONN 107
#define ECONNREFUSED 111
#define EUCLEAN 117     /* "structure needs cleaning": a corrupt filesystem (Linux EFSCORRUPTED) */
