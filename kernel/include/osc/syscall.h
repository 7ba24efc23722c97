/* System calls: Linux x86_64 numbers (arch/x86/entry/syscalls/syscall_64.tbl) plus
 * the OSCortex range above Linux's table (SPEC §2, docs/syscalls.md).
 *
 * A subsystem defines a call where its code lives:
 *     SYSCALL(getpid) { return proc_current()->pid; }
 * The entry lands in the .syscalls section; at boot syscall_init() builds the
 * dispatch table, every other slot answering -ENOSYS and counting the miss
 * (/sys/kernel/unimplemented). Arguments arrive raw in args->a[0..5]; every
 * pointer among them is a user pointer and goes through <osc/uaccess.h>. */
#pragma once

#include <osc/types.h>

#define NR_SYSCALLS 1280        /* covers Linux's table and the OSCortex range */

/* Linux x86_64 numbers */
#define __NR_read 0
#define __NR_write 1
#define __NR_open 2
#define __NR_close 3
#define __NR_stat 4
#define __NR_fstat 5
#define __NR_lstat 6
#define __NR_poll 7
#define __NR_lseek 8
#define __NR_mmap 9
#define __NR_mprotect 10
#define __NR_munmap 11
#define __NR_brk 12
#define __NR_rt_sigaction 13
#define __NR_rt_sigprocmask 14
#define __NR_rt_sigreturn 15
#define __NR_ioctl 16
#define __NR_pread64 17
#define __NR_pwrite64 18
#define __NR_readv 19
#define __NR_writev 20
#define __NR_access 21
#define __NR_pipe 22
#define __NR_select 23
#define __NR_sched_yield 24
#define __NR_mremap 25
#define __NR_msync 26
#define __NR_madvise 28
#define __NR_dup 32
#define __NR_dup2 33
#define __NR_pause 34
#define __NR_nanosleep 35
#define __NR_getitimer 36
#define __NR_alarm 37
#define __NR_setitimer 38
#define __NR_getpid 39
#define __NR_sendfile 40
#define __NR_socket 41
#define __NR_connect 42
#define __NR_accept 43
#define __NR_sendto 44
#define __NR_recvfrom 45
#define __NR_sendmsg 46
#define __NR_recvmsg 47
#define __NR_shutdown 48
#define __NR_bind 49
#define __NR_listen 50
#define __NR_getsockname 51
#define __NR_getpeername 52
#define __NR_socketpair 53
#define __NR_setsockopt 54
#define __NR_getsockopt 55
#define __NR_clone 56
#define __NR_fork 57
#define __NR_vfork 58
#define __NR_execve 59
#define __NR_exit 60
#define __NR_wait4 61
#define __NR_kill 62
#define __NR_uname 63
#define __NR_fcntl 72
#define __NR_truncate 76
#define __NR_ftruncate 77
#define __NR_getcwd 79
#define __NR_chdir 80
#define __NR_fchdir 81
#define __NR_rename 82
#define __NR_mkdir 83
#define __NR_rmdir 84
#define __NR_link 86
#define __NR_unlink 87
#define __NR_symlink 88
#define __NR_readlink 89
#define __NR_chmod 90
#define __NR_fchmod 91
#define __NR_chown 92
#define __NR_fchown 93
#define __NR_lchown 94
#define __NR_umask 95
#define __NR_gettimeofday 96
#define __NR_getrlimit 97
#define __NR_getrusage 98
#define __NR_sysinfo 99
#define __NR_times 100
#define __NR_getuid 102
#define __NR_syslog 103
#define __NR_getgid 104
#define __NR_setuid 105
#define __NR_setgid 106
#define __NR_geteuid 107
#define __NR_getegid 108
#define __NR_setpgid 109
#define __NR_getppid 110
#define __NR_getpgrp 111
#define __NR_setsid 112
#define __NR_setreuid 113
#define __NR_setregid 114
#define __NR_getgroups 115
#define __NR_setgroups 116
#define __NR_setresuid 117
#define __NR_getresuid 118
#define __NR_setresgid 119
#define __NR_getresgid 120
#define __NR_getpgid 121
#define __NR_setfsuid 122
#define __NR_setfsgid 123
#define __NR_getsid 124
#define __NR_capget 125
#define __NR_capset 126
#define __NR_rt_sigpending 127
#define __NR_rt_sigtimedwait 128
#define __NR_rt_sigqueueinfo 129
#define __NR_rt_sigsuspend 130
#define __NR_sigaltstack 131
#define __NR_mknod 133
#define __NR_getpriority 140
#define __NR_setpriority 141
#define __NR_sched_setparam 142
#define __NR_sched_getparam 143
#define __NR_sched_setscheduler 144
#define __NR_sched_getscheduler 145
#define __NR_sched_get_priority_max 146
#define __NR_sched_get_priority_min 147
#define __NR_sched_rr_get_interval 148
#define __NR_personality 135
#define __NR_prctl 157
#define __NR_arch_prctl 158
#define __NR_chroot 161
#define __NR_reboot 169
#define __NR_gettid 186
#define __NR_tkill 200
#define __NR_time 201
#define __NR_futex 202
#define __NR_sched_setaffinity 203
#define __NR_sched_getaffinity 204
#define __NR_getdents64 217
#define __NR_set_tid_address 218
#define __NR_timer_create 222
#define __NR_timer_settime 223
#define __NR_timer_gettime 224
#define __NR_timer_getoverrun 225
#define __NR_timer_delete 226
#define __NR_clock_gettime 228
#define __NR_clock_getres 229
#define __NR_clock_nanosleep 230
#define __NR_exit_group 231
#define __NR_tgkill 234
#define __NR_waitid 247
#define __NR_openat 257
#define __NR_mkdirat 258
#define __NR_mknodat 259
#define __NR_fchownat 260
#define __NR_newfstatat 262
#define __NR_unlinkat 263
#define __NR_renameat 264
#define __NR_linkat 265
#define __NR_symlinkat 266
#define __NR_readlinkat 267
#define __NR_fchmodat 268
#define __NR_faccessat 269
#define __NR_pselect6 270
#define __NR_ppoll 271
#define __NR_set_robust_list 273
#define __NR_get_robust_list 274
#define __NR_utimensat 280
#define __NR_dup3 292
#define __NR_accept4 288
#define __NR_pipe2 293
#define __NR_rt_tgsigqueueinfo 297
#define __NR_recvmmsg 299
#define __NR_prlimit64 302
#define __NR_setrlimit 160
#define __NR_sendmmsg 307
#define __NR_getcpu 309
#define __NR_renameat2 316
#define __NR_getrandom 318
#define __NR_statx 332
#define __NR_rseq 334
#define __NR_clone3 435
#define __NR_faccessat2 439
/* file layer: locks, statfs, memfd, inotify */
#define __NR_flock 73
#define __NR_fsync 74
#define __NR_fdatasync 75
#define __NR_sync 162
#define __NR_syncfs 306
#define __NR_statfs 137
#define __NR_fstatfs 138
#define __NR_mount 165
#define __NR_umount2 166
#define __NR_inotify_init 253
#define __NR_inotify_add_watch 254
#define __NR_inotify_rm_watch 255
#define __NR_inotify_init1 294
#define __NR_memfd_create 319
/* event-loop files: eventfd, timerfd, signalfd, epoll */
#define __NR_epoll_create 213
#define __NR_epoll_wait 232
#define __NR_epoll_ctl 233
#define __NR_epoll_pwait 281
#define __NR_signalfd 282
#define __NR_timerfd_create 283
#define __NR_eventfd 284
#define __NR_timerfd_settime 286
#define __NR_timerfd_gettime 287
#define __NR_signalfd4 289
#define __NR_eventfd2 290
#define __NR_epoll_create1 291
#define __NR_epoll_pwait2 441

/* The OSCortex range (SPEC §2; the published numbers are kept). */
#define __NR_cursor_shape_set 0x4B2
#define __NR_clipboard_set 0x4B3
#define __NR_clipboard_get 0x4B4
#define __NR_app_close_foreground 0x4B5
#define __NR_beep 0x4B6
#define __NR_dns_resolve 0x4B8

struct user_regs;       /* the saved user register frame (arch: <asm/user_regs.h>) */

struct syscall_args {
    uint64_t a[6];
    struct user_regs *regs;     /* full user frame: fork, execve, rt_sigreturn */
};

typedef long (*syscall_fn)(const struct syscall_args *args);

struct syscall_entry {
    uint32_t nr;
    bool fallback;      /* replaced by a non-fallback entry for the same number */
    const char *name;
    syscall_fn fn;
};

#define SYSCALL_ENTRY_(sname, is_fallback)                                          \
    static long sys_##sname(const struct syscall_args *args);                       \
    static const struct syscall_entry syscall_entry_##sname                         \
        __attribute__((used, section(".syscalls"), aligned(8))) =                   \
        { __NR_##sname, is_fallback, #sname, sys_##sname };                         \
    static long sys_##sname(const struct syscall_args *args)

#define SYSCALL(sname) SYSCALL_ENTRY_(sname, false)
/* A temporary implementation that a subsystem's real one replaces (branch work). */
#define SYSCALL_FALLBACK(sname) SYSCALL_ENTRY_(sname, true)

void syscall_init(void);                /* builds the table; panics on duplicates */
long syscall_dispatch(uint64_t nr, struct syscall_args *args);
/* -ENOSYS misses per number, for /sys/kernel/unimplemented. */
uint64_t syscall_unimplemented_count(uint32_t nr);
/* An operation of a multiplexed call (futex's op) that the kernel does not know:
 * counts the miss per (nr, op) and returns -ENOSYS for the handler to return. */
long syscall_unimplemented_op(uint32_t nr, uint32_t op);
/* The i-th (nr, op) pair that missed and its count; false past the last one. */
bool syscall_unimplemented_op_at(size_t i, uint32_t *nr, uint32_t *op, uint64_t *count);
const char *syscall_name(uint32_t nr);  /* NULL when unimplemented */
/* Linux's name for nr (whether or not implemented), NULL beyond the known table. */
const char *syscall_linux_name(uint32_t nr);
