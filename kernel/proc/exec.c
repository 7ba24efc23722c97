/* Exec: an executable file becomes a fresh address space. ELF PT_LOAD segments map
 * the file's pages copy-on-write where the filesystem keeps them (tmpfs), else are
 * copied page by page (elf_parse already validated the plan); a dynamic program's
 * PT_INTERP loader is loaded beside it and started instead, the auxv telling it
 * where the program is. The stack gets the System V initial layout (argc, argv,
 * envp, auxv; x86_64 psABI 3.4.1); "#!" scripts re-exec their interpreter. execve
 * swaps the new space in for the caller's. */

#define LOG_TAG "process"
#include <osc/arch.h>
#include <osc/caps.h>
#include <osc/context.h>
#include <osc/elf.h>
#include <osc/errno.h>
#include <osc/filepages.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/syscall.h>
#include <osc/uaccess.h>
#include <osc/vdso.h>
#include <osc/vfs.h>
#include <asm/user_regs.h>
#include "../sched/sched_internal.h"
#include "proc_internal.h"

/* ld.so's area must sit between the mmap area and the stack (elf.h). */
_Static_assert(ELF_INTERP_BASE >= USER_MMAP_BASE &&
               ELF_INTERP_BASE + ELF_INTERP_SPAN_MAX <= USER_STACK_TOP - USER_STACK_SIZE,
               "interpreter area overlaps mmap or stack");
#define SHEBANG_DEPTH   2                       /* script -> interpreter, no deeper */
/* The stack VMA is RLIMIT_STACK long (it does not grow), within these bounds: an
 * unlimited stack gets USER_STACK_MAX (the area below the stack is free of the
 * interpreter's: checked below). */
#define USER_STACK_MIN  KiB(256)   /* above EXEC_ARG_MAX + auxv */
#define USER_STACK_MAX  GiB(1)
_Static_assert(ELF_INTERP_BASE + ELF_INTERP_SPAN_MAX <= USER_STACK_TOP - USER_STACK_MAX,
               "interpreter area overlaps the largest stack");

/* One execve as it passes through "#!" levels: where paths resolve, and the name
 * the caller gave, which stays the process's comm and AT_EXECFN (as on Linux) even
 * when an interpreter is what runs. */
struct exec_req {
    const struct vfs_ctx *ctx;
    const char *filename;
    bool randomize;             /* aslr_enabled: random layout */
    const struct process *p;    /* whose credentials exec changes (NULL: the kernel's) */
};

/* Randomisation, in bits of page-granular offset, as Linux x86_64 has it
 * (docs/STATUS.md): mmap base and PIE base 28 (mmap_rnd_bits), stack top 22
 * (STACK_RND_MASK) plus up to 8 KiB of 16-byte steps for the initial sp
 * (arch_align_stack), brk 13 (arch_randomize_brk's 32 MiB). The loader and the vDSO
 * go at the top of the randomised mmap area, as Linux maps them there. */
#define ASLR_MMAP_BITS  28
#define ASLR_STACK_BITS 22
#define ASLR_SP_BYTES   8192
#define ASLR_BRK_BITS   13
/* The randomised layout stays inside the fixed one's bounds. */
_Static_assert(USER_MMAP_BASE - (PAGE_SIZE << ASLR_MMAP_BITS) > USER_MMAP_MIN + USER_MMAP_BASE / 2,
               "mmap randomisation reaches the brk limit");
_Static_assert(ELF_PIE_BASE + (PAGE_SIZE << ASLR_MMAP_BITS) < USER_MMAP_BASE -
               (PAGE_SIZE << ASLR_MMAP_BITS) - ELF_INTERP_SPAN_MAX, "PIE area reaches the loader");

/* auxv tags (elf.h in Linux uapi). */
#define AT_NULL     0
#define AT_IGNORE   1
#define AT_PHDR     3
#define AT_PHENT    4
#define AT_PHNUM    5
#define AT_PAGESZ   6
#define AT_BASE     7
#define AT_FLAGS    8
#define AT_ENTRY    9
#define AT_UID      11
#define AT_EUID     12
#define AT_GID      13
#define AT_EGID     14
#define AT_HWCAP    16
#define AT_CLKTCK   17
#define AT_SECURE   23
#define AT_RANDOM   25
#define AT_HWCAP2   26
#define AT_EXECFN   31
#define AT_SYSINFO_EHDR 33
#define AUXV_PAIRS  19

static size_t count_strings(const char *const v[], size_t *bytes)
{
    size_t n = 0;
    for (; v && v[n]; n++)
        *bytes += strlen(v[n]) + 1;
    return n;
}

/* The initial stack, built in a kernel buffer mirroring [sp, top) and copied in
 * one go. Top down: execfn and argv/envp strings, AT_RANDOM bytes, a copy
 * of the program headers when no segment holds them, then (16-byte aligned at sp)
 * argc, argv[], NULL, envp[], NULL, auxv pairs. */
static int stack_build(struct mm_space *mm, const char *path, const char *const argv[],
                       const char *const envp[], const struct elf_plan *plan,
                       const void *file, const struct elf_layout *lay, uint64_t top,
                       uint64_t vdso, const struct exec_image *cr, uint64_t *sp_out)
{
    size_t str_bytes = strlen(path) + 1;
    size_t argc = count_strings(argv, &str_bytes), envc = count_strings(envp, &str_bytes);
    if (argc > EXEC_ARGC_MAX || envc > EXEC_ARGC_MAX || str_bytes > EXEC_ARG_MAX)
        return -E2BIG;
    size_t phdr_bytes = plan->phdr_in_image ? 0 : (size_t)plan->phnum * ELF_PHENTSIZE;
    uint64_t str_base = ALIGN_DOWN(top - str_bytes, 16);
    uint64_t rnd = str_base - 16;
    uint64_t phdr = ALIGN_DOWN(rnd - phdr_bytes, 16);
    size_t words = 1 + argc + 1 + envc + 1 + 2 * AUXV_PAIRS;
    uint64_t sp = ALIGN_DOWN(phdr - words * 8, 16);
    size_t size = top - sp;
    uint8_t *buf = kzalloc(size);
    if (!buf)
        return -ENOMEM;
#define AT(va) (buf + ((va) - sp))
    uint64_t *w = (uint64_t *)buf;
    uint64_t s = str_base;
    uint64_t execfn = s;
    memcpy(AT(s), path, strlen(path) + 1);
    s += strlen(path) + 1;
    *w++ = argc;
    for (size_t i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]) + 1;
        memcpy(AT(s), argv[i], n);
        *w++ = s;
        s += n;
    }
    *w++ = 0;
    for (size_t i = 0; i < envc; i++) {
        size_t n = strlen(envp[i]) + 1;
        memcpy(AT(s), envp[i], n);
        *w++ = s;
        s += n;
    }
    *w++ = 0;
    uint64_t r[2] = { arch_random_u64(), arch_random_u64() };
    memcpy(AT(rnd), r, 16);
    uint64_t phdr_va = plan->phdr_vaddr + lay->bias;
    if (phdr_bytes) {
        memcpy(AT(phdr), (const uint8_t *)file + plan->phoff, phdr_bytes);
        phdr_va = phdr;
    }
    const uint64_t aux[AUXV_PAIRS][2] = {
        { vdso ? AT_SYSINFO_EHDR : AT_IGNORE, vdso },   /* first, as Linux puts it */
        { AT_PHDR, phdr_va }, { AT_PHENT, ELF_PHENTSIZE }, { AT_PHNUM, plan->phnum },
        { AT_PAGESZ, PAGE_SIZE }, { AT_BASE, lay->at_base }, { AT_FLAGS, 0 },
        { AT_ENTRY, lay->at_entry }, { AT_UID, cr->uid }, { AT_EUID, cr->euid },
        { AT_GID, cr->gid }, { AT_EGID, cr->egid }, { AT_SECURE, cr->secure }, { AT_RANDOM, rnd }, { AT_HWCAP, arch_hwcap() },
        { AT_HWCAP2, 0 }, { AT_CLKTCK, 100 }, { AT_EXECFN, execfn }, { AT_NULL, 0 },
    };
    memcpy(w, aux, sizeof(aux));
#undef AT
    int err = mm_write(mm, sp, buf, size);
    kfree(buf);
    *sp_out = sp;
    return err;
}

/* The pages of segment i that can map the file itself, [*fs, *fe) at bias (empty
 * when *fs >= *fe): those holding only its file bytes, or file bytes and what
 * follows them in the file when the segment has no .bss to zero there. A page it
 * shares with a neighbouring segment is left out (it needs both segments' bytes). */
static void file_pages_of(const struct elf_plan *plan, size_t i, uint64_t bias,
                          uint64_t *fs, uint64_t *fe)
{
    const struct elf_segment *sg = &plan->loads[i];
    uint64_t a = sg->vaddr + bias, b = a + sg->filesz;
    *fs = ALIGN_DOWN(a, PAGE_SIZE);
    *fe = sg->memsz > sg->filesz ? ALIGN_DOWN(b, PAGE_SIZE) : ALIGN_UP(b, PAGE_SIZE);
    if (i > 0) {
        const struct elf_segment *p = &plan->loads[i - 1];
        if (*fs < ALIGN_UP(p->vaddr + bias + p->memsz, PAGE_SIZE))
            *fs += PAGE_SIZE;
    }
    if (i + 1 < plan->nloads && *fe > ALIGN_DOWN(plan->loads[i + 1].vaddr + bias, PAGE_SIZE))
        *fe = ALIGN_DOWN(plan->loads[i + 1].vaddr + bias, PAGE_SIZE);
}

/* Maps one image's PT_LOADs at bias; the rest of each segment stays zero (.bss).
 * VMAs first: a page two segments share gets both protections. With the file's
 * page store fp, whole file pages map it copy-on-write (text shared between every
 * process running the program) and only the edge pages are copied; without, every
 * file byte is copied from data. */
static int map_image(struct mm_space *mm, const struct elf_plan *plan, const void *data,
                     struct filepages *fp, uint64_t bias)
{
    int err = 0;
    uint64_t prev_end = 0;
    uint32_t prev_prot = 0;
    for (size_t i = 0; !err && i < plan->nloads; i++) {
        const struct elf_segment *sg = &plan->loads[i];
        uint64_t s = ALIGN_DOWN(sg->vaddr + bias, PAGE_SIZE);
        uint64_t e = ALIGN_UP(sg->vaddr + bias + sg->memsz, PAGE_SIZE);
        if (s < prev_end) {
            err = mm_map_fixed(mm, s, s + PAGE_SIZE, prev_prot | sg->prot, 0);
            s += PAGE_SIZE;
        }
        if (!err && s < e)
            err = mm_map_fixed(mm, s, e, sg->prot, 0);
        prev_end = e;
        prev_prot = sg->prot;
    }
    for (size_t i = 0; !err && i < plan->nloads; i++) {
        const struct elf_segment *sg = &plan->loads[i];
        uint64_t a = sg->vaddr + bias, b = a + sg->filesz, fs = 0, fe = 0;
        const uint8_t *src = (const uint8_t *)data + sg->offset;
        if (fp && sg->filesz)
            file_pages_of(plan, i, bias, &fs, &fe);
        if (fs >= fe) {
            err = mm_write(mm, a, src, sg->filesz);
            continue;
        }
        err = mm_map_file(mm, fs, fe, sg->prot, 0, fp, ALIGN_DOWN(sg->offset, PAGE_SIZE) +
                          (fs - ALIGN_DOWN(a, PAGE_SIZE)));
        if (!err && a < fs)
            err = mm_write(mm, a, src, MIN(b, fs) - a);
        if (!err && fe < b)
            err = mm_write(mm, fe, src + (fe - a), b - fe);
    }
    return err;
}

/* The program interpreter named by PT_INTERP (the dynamic loader): read and parsed
 * into *iplan; its bytes go to *idata (the caller frees them). */
static int load_interp(const struct exec_req *req, const char *path,
                       const struct elf_plan *plan, struct elf_plan *iplan, void **idata,
                       struct filepages **ifp)
{
    size_t ilen;
    int err = vfs_read_exec_file(req->ctx, plan->interp, idata, &ilen, ifp, NULL, NULL);
    if (err) {
        log_info("exec %s: interpreter %s: error %d", path, plan->interp, err);
        return err;
    }
    /* Linux answers ELIBBAD for a broken interpreter; ENOEXEC would make shells
     * retry the (binary) program as a script. */
    if (elf_parse(*idata, ilen, iplan)) {
        log_info("exec %s: interpreter %s is not a loadable ELF", path, plan->interp);
        return -ELIBBAD;
    }
    return 0;
}

static int load_elf(const struct exec_req *req, const char *path, const void *data,
                    size_t len, struct filepages *fp, const char *const argv[],
                    const char *const envp[], struct exec_image *out)
{
    struct elf_plan *plan = kmalloc(sizeof(*plan)), *iplan = kmalloc(sizeof(*plan));
    void *idata = NULL;
    struct filepages *ifp = NULL;
    struct elf_layout lay;
    struct mm_space *mm = NULL;
    int err = !plan || !iplan ? -ENOMEM : elf_parse(data, len, plan);
    if (!err && plan->has_interp)
        err = load_interp(req, path, plan, iplan, &idata, &ifp);
    uint64_t mmap_base = USER_MMAP_BASE, stack_top = USER_STACK_TOP, sp_off = 16;
    uint64_t pie_base = ELF_PIE_BASE, interp_base = ELF_INTERP_BASE, brk_off = 0;
    if (!err && req->randomize) {
        mmap_base -= aslr_pages(ASLR_MMAP_BITS);
        stack_top -= aslr_pages(ASLR_STACK_BITS);
        sp_off += ALIGN_DOWN(arch_random_u64() % ASLR_SP_BYTES, 16);
        pie_base += aslr_pages(ASLR_MMAP_BITS);
        brk_off = aslr_pages(ASLR_BRK_BITS);
        uint64_t ispan = plan->has_interp ? iplan->span_hi - iplan->span_lo : 0;
        if (ispan <= ELF_INTERP_SPAN_MAX)       /* else elf_layout refuses it */
            interp_base = mmap_base - ispan;
    }
    if (!err) {
        err = elf_layout_at(plan, plan->has_interp ? iplan : NULL, pie_base, interp_base, &lay);
        if (err && plan->has_interp) {
            log_info("exec %s: interpreter %s unusable (not a plain ET_DYN?) or overlapped",
                     path, plan->interp);
            err = -ELIBBAD;
        }
    }
    if (!err) {
        mm = mm_create();
        if (!mm)
            err = -ENOMEM;
        else
            mm->mmap_base = mmap_base;
    }
    /* Mapping file pages needs their page_ref counts; without them, copy. */
    if (!err && (fp || ifp) && page_ref_init()) {
        fp = NULL;
        filepages_put(ifp);
        ifp = NULL;
    }
    if (!err)
        err = map_image(mm, plan, data, fp, lay.bias);
    if (!err && plan->has_interp)
        err = map_image(mm, iplan, idata, ifp, lay.interp_bias);
    if (!err) {
        mm->brk_start = mm->brk = lay.brk + brk_off;
        uint64_t stack = out->stack_limit ? out->stack_limit : USER_STACK_SIZE;
        stack = ALIGN_DOWN(MIN(MAX(stack, USER_STACK_MIN), USER_STACK_MAX), PAGE_SIZE);
        err = mm_map_fixed(mm, stack_top - stack, stack_top, PROT_READ | PROT_WRITE, VMA_STACK);
    }
    if (!err)
        err = stack_build(mm, req->filename, argv, envp, plan, data, &lay, stack_top - sp_off,
                          vdso_map(mm), out, &out->sp);
    if (err) {
        if (mm)
            mm_put(mm);
    } else {
        out->mm = mm;
        out->entry = lay.entry;
        const char *slash = strrchr(req->filename, '/');
        strlcpy(out->comm, slash ? slash + 1 : req->filename, sizeof(out->comm));
        /* /proc/<pid>/exe names the file that runs: for a script, its interpreter
         * (busybox re-executes /proc/self/exe to run an applet). */
        if (vfs_realpath(req->ctx, path, out->exe, sizeof(out->exe)) < 0)
            strlcpy(out->exe, path, sizeof(out->exe));
    }
    filepages_put(ifp);
    kfree(idata);
    kfree(iplan);
    kfree(plan);
    return err;
}

/* Linux's credential change at exec (bprm_fill_uid and cap_bprm_creds_from_file,
 * without file capabilities or ambient ones): a set-user-ID file's owner becomes
 * the effective uid (set-group-ID: only when group-executable), unless its mount is
 * nosuid or the caller set no_new_privs; a uid 0 (real or effective) gets the
 * bounding set permitted, effective only when the effective uid is 0. */
static void exec_creds(const struct process *p, const struct linux_stat *st, bool nosuid,
                       struct exec_image *cr)
{
    if (!p) {                           /* the kernel starting a process: root */
        cr->uid = cr->gid = cr->euid = cr->egid = 0;
        cr->cap_perm = cr->cap_eff = CAP_FULL_SET;
        cr->secure = false;
        return;
    }
    bool nnp = ((const struct pcb *)p->proc_data)->no_new_privs;
    cr->uid = p->uid;
    cr->gid = p->gid;
    cr->euid = p->euid;
    cr->egid = p->egid;
    if (!nosuid && !nnp) {
        if (st->st_mode & S_ISUID)
            cr->euid = st->st_uid;
        if ((st->st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
            cr->egid = st->st_gid;
    }
    cr->cap_perm = cr->uid == 0 || cr->euid == 0 ? (p->cap_bset | p->cap_inh) : 0;
    if (nnp)
        cr->cap_perm &= p->cap_perm;
    cr->cap_eff = cr->euid == 0 ? cr->cap_perm : 0;
    cr->secure = cr->euid != cr->uid || cr->egid != cr->gid ||
                 (cr->uid != 0 && (cr->cap_perm & ~p->cap_perm));
}

static int exec_load_depth(const struct exec_req *req, const char *path,
                           const char *const argv[], const char *const envp[],
                           struct exec_image *out, int depth)
{
    void *data;
    size_t len;
    struct filepages *fp = NULL;
    struct linux_stat st;
    bool nosuid = false;
    int err = vfs_read_exec_file(req->ctx, path, &data, &len, &fp, &st, &nosuid);
    if (err)
        return err;
    if (len >= 2 && ((char *)data)[0] == '#' && ((char *)data)[1] == '!') {
        char *interp = kmalloc(ELF_SHEBANG_MAX), *arg = kmalloc(ELF_SHEBANG_MAX);
        size_t argc = 0, dummy = 0;
        argc = count_strings(argv, &dummy);
        const char **nargv = kmalloc((argc + 4) * sizeof(char *));
        err = !interp || !arg || !nargv ? -ENOMEM
            : depth >= SHEBANG_DEPTH ? -ENOEXEC
            : elf_parse_shebang(data, len, interp, ELF_SHEBANG_MAX, arg, ELF_SHEBANG_MAX);
        if (!err) {
            /* interp [arg] path argv[1..] */
            size_t n = 0;
            nargv[n++] = interp;
            if (arg[0])
                nargv[n++] = arg;
            nargv[n++] = path;
            for (size_t i = 1; i < argc; i++)
                nargv[n++] = argv[i];
            nargv[n] = NULL;
            err = exec_load_depth(req, interp, nargv, envp, out, depth + 1);
        }
        kfree(nargv);
        kfree(interp);
        kfree(arg);
    } else {
        exec_creds(req->p, &st, nosuid, out);
        err = load_elf(req, path, data, len, fp, argv, envp, out);
    }
    filepages_put(fp);
    kfree(data);
    return err;
}

int exec_load(struct process *p, const char *path, const char *const argv[],
              const char *const envp[], struct exec_image *out)
{
    struct vfs_ctx c = vfs_ctx_of(p);
    struct exec_req req = { &c, path, aslr_enabled(p), p };
    return exec_load_depth(&req, path, argv, envp, out, 0);
}

/* Copies a NULL-terminated user array of strings into one kernel block: pointers
 * first, then the strings. *bytes accumulates the string bytes for the E2BIG limit. */
static int copy_strings(const char *const *uv, char ***out, size_t *bytes)
{
    size_t n = 0;
    for (;; n++) {
        if (n > EXEC_ARGC_MAX)
            return -E2BIG;
        uint64_t p;
        if (!uv)
            break;
        if (copy_from_user(&p, uv + n, sizeof(p)))
            return -EFAULT;
        if (!p)
            break;
    }
    char **v = kzalloc((n + 1) * sizeof(char *));
    if (!v)
        return -ENOMEM;
    *out = v;
    char *tmp = kmalloc(PAGE_SIZE * 8);
    if (!tmp)
        return -ENOMEM;
    int err = 0;
    for (size_t i = 0; i < n && !err; i++) {
        uint64_t p;
        if (copy_from_user(&p, uv + i, sizeof(p))) {
            err = -EFAULT;
            break;
        }
        long l = strncpy_from_user(tmp, (const char *)p, PAGE_SIZE * 8);
        if (l < 0) {
            err = l == -ENAMETOOLONG ? -E2BIG : (int)l;
            break;
        }
        *bytes += l + 1;
        if (*bytes > EXEC_ARG_MAX) {
            err = -E2BIG;
            break;
        }
        v[i] = kmalloc(l + 1);
        if (!v[i]) {
            err = -ENOMEM;
            break;
        }
        memcpy(v[i], tmp, l + 1);
    }
    kfree(tmp);
    return err;
}

static void free_strings(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        kfree(v[i]);
    kfree(v);
}

SYSCALL(execve)
{
    char *path = kmalloc(PAGE_SIZE);
    char **argv = NULL, **envp = NULL;
    size_t bytes = 0;
    struct exec_image img;
    if (!path)
        return -ENOMEM;
    long err = strncpy_from_user(path, (const char *)args->a[0], PAGE_SIZE);
    if (err >= 0)
        err = copy_strings((const char *const *)args->a[1], &argv, &bytes);
    if (!err)
        err = copy_strings((const char *const *)args->a[2], &envp, &bytes);
    img.stack_limit = proc_rlimit(RLIMIT_STACK);
    if (!err)
        err = exec_load(proc_current(), path, (const char *const *)argv,
                        (const char *const *)envp, &img);
    if (!err)   /* harmless if a later step fails: only procfs reads it */
        proc_set_exec_info(proc_current(), img.exe, (const char *const *)argv);
    free_strings(argv);
    free_strings(envp);
    kfree(path);
    if (err)
        return err;
    /* Other threads go first (they run on the old image). */
    err = proc_exec_single_thread();
    if (err) {
        mm_put(img.mm);
        return err;
    }

    /* Point of no return: the new image replaces the old one. */
    struct thread *t = thread_current();
    struct uthread *u = t->uthread;
    futex_exit_robust_list(u);  /* its locks lived in the old image (Linux does it too) */
    futex_exit_pi(u->tid);
    struct process *p = &u->proc->pub;
    struct mm_space *old = p->mm;
    proc_usage_note_mm(u->proc, old);   /* ru_maxrss survives exec (Linux) */
    /* Under the table lock: getrusage and procfs read pub.mm under it. */
    unsigned long f = proc_table_lock();
    p->mm = img.mm;
    mm_get(img.mm);
    struct mm_space *old_thread_ref = u->mm;    /* a vfork child's is the parent's */
    u->mm = img.mm;
    mm_activate(img.mm);
    u->fs_base = 0;
    arch_set_user_fs(0);
    arch_fpu_init_area(t->fpu_area);
    arch_fpu_switch(NULL, t->fpu_area);         /* load the clean state */
    proc_table_unlock(f);
    mm_put(old);
    mm_put(old_thread_ref);
    strlcpy(p->comm, img.comm, sizeof(p->comm));
    vfs_proc_exec(p);
    signal_exec(u->proc, u);
    rseq_exec(u);
    u->proc->execed = true;             /* read by setpgid under the table lock; benign */
    /* The new credentials; a set-id exec is not dumpable (Linux, suid_dumpable 0). */
    bool setid = img.euid != p->euid || img.egid != p->egid || (img.cap_perm & ~p->cap_perm);
    p->euid = p->suid = p->fsuid = img.euid;
    p->egid = p->sgid = p->fsgid = img.egid;
    p->cap_perm = img.cap_perm;
    p->cap_eff = img.cap_eff;
    u->proc->dumpable = !setid && !img.secure;
    proc_vfork_release(u->proc);        /* a vfork parent's address space is its own again */
    arch_user_regs_init(args->regs, img.entry, img.sp);
    return 0;   /* rax of the new image: 0 like Linux */
}
