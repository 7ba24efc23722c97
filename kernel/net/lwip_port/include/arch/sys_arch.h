/* lwIP's OS types for OSCortex (kernel/net/lwip_port/sys_arch.c): each is a pointer
 * to a kernel object allocated by its sys_*_new, NULL when invalid. */
#pragma once

struct osc_sem;
struct osc_mbox;
struct mutex;
struct thread;

typedef struct osc_sem *sys_sem_t;
typedef struct osc_mbox *sys_mbox_t;
typedef struct mutex *sys_mutex_t;
typedef struct thread *sys_thread_t;
typedef unsigned long sys_prot_t;

#define sys_sem_valid(s)            (*(s) != NULL)
#define sys_sem_set_invalid(s)      (*(s) = NULL)
#define sys_mbox_valid(m)           (*(m) != NULL)
#define sys_mbox_set_invalid(m)     (*(m) = NULL)
#define sys_mutex_valid(m)          (*(m) != NULL)
#define sys_mutex_set_invalid(m)    (*(m) = NULL)
#define sys_sem_valid_val(s)        ((s) != NULL)
#define sys_sem_set_invalid_val(s)  ((s) = NULL)
#define sys_mbox_valid_val(m)       ((m) != NULL)
#define sys_mbox_set_invalid_val(m) ((m) = NULL)
