// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_state.c: the fuzzer's shared state and the helpers every part
 * uses (fuzz.h): the fd and mapping tables, the statistics, counting and
 * failing, tracing, INFO's consistency check, good and hostile user
 * pointers, and guarded touches. The parts (fuzz_dev.c, fuzz_mm.c,
 * fuzz_nl.c, fuzz_abi2.c, fuzz_waitset.c) depend on this file and on
 * common.c only, never on each other; fuzz.c (main, the op loop) calls
 * their ops.
 */
#include "fuzz.h"

#include <stdatomic.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

pthread_mutex_t fz_lock = PTHREAD_MUTEX_INITIALIZER;
struct fz_fd fz_fds[FZ_MAX_FDS];
unsigned int fz_nr_fds;
struct fz_map fz_maps[FZ_MAX_MAPS];
unsigned int fz_nr_maps;
struct fz_stats *fz_stats;
bool fz_trace;
bool fz_grow_tail = true;	/* kmod zeroes the tail since ABI 2's fix */
uint64_t fz_seed;
int fz_family = -1;


/* ---- counting, failing, tracing ---- */

void fz_count(enum fz_op op, long ret)
{
	atomic_fetch_add_explicit(&fz_stats->calls[op], 1, memory_order_relaxed);
	if (ret >= 0)
		atomic_fetch_add_explicit(&fz_stats->ok[op], 1, memory_order_relaxed);
	else if (-ret < FZ_ERRNO_MAX)
		atomic_fetch_add_explicit(&fz_stats->errnos[op][-ret], 1, memory_order_relaxed);
}

void fz_fail(const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fz_stats->failures++;
	complain("%s (pid %d, seed %#llx)", msg, getpid(), (unsigned long long)fz_seed);
}

void fz_trace_op(struct fz_thread *t, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	if (!fz_trace)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	say("[%d.%u #%llu] %s", getpid(), t->nr, (unsigned long long)t->iterations, msg);
}

/* ---- the fd table (fz_lock held) ---- */

struct fz_fd *fz_fd_random(struct rng *r, int kind)
{
	unsigned int start, i;

	if (!fz_nr_fds)
		return NULL;
	start = (unsigned int)rng_below(r, fz_nr_fds);
	for (i = 0; i < fz_nr_fds; i++) {
		struct fz_fd *f = &fz_fds[(start + i) % fz_nr_fds];

		if (kind < 0 || (int)f->kind == kind)
			return f;
	}
	return NULL;
}

struct fz_fd *fz_fd_add(int fd, enum fz_fd_kind kind)
{
	struct fz_fd *f;

	if (fz_nr_fds == FZ_MAX_FDS) {
		close(fd);
		return NULL;
	}
	f = &fz_fds[fz_nr_fds++];
	memset(f, 0, sizeof(*f));
	f->fd = fd;
	f->kind = kind;
	return f;
}

void fz_fd_remove(struct fz_fd *f)
{
	*f = fz_fds[--fz_nr_fds];
}

/* The buffer behind f, re-read with INFO (fz_lock held): someone else
 * (a forked child, through an inherited fd) may have created or grown it.
 * A created buffer has an id (a growable one may be 0 bytes long). */
void fz_fd_refresh(struct fz_fd *f)
{
	struct sabuf_info info;

	if (f->kind != FD_SABUF || sb_info(f->fd, &info))
		return;
	f->ro = info.flags & SABUF_INFO_READONLY;
	if (info.id) {
		f->created = true;
		f->growable = info.flags & SABUF_INFO_GROWABLE;
		f->byte_length = info.byte_length;
		f->max_byte_length = info.max_byte_length;
		f->map_length = info.map_length;
		f->id = info.id;
	}
}

/* ---- INFO ---- */

/* Every feature ABI 2 has (a later kernel may add bits). */
#define FZ_FEATURES_ABI2 (SABUF_FEATURE_WAIT32 | SABUF_FEATURE_WAIT64 | SABUF_FEATURE_ABSTIME | \
			  SABUF_FEATURE_CLOCK_REALTIME | SABUF_FEATURE_COUNTERS | \
			  SABUF_FEATURE_GROWABLE | SABUF_FEATURE_READONLY | SABUF_FEATURE_STATUS | \
			  SABUF_FEATURE_HANDON | SABUF_FEATURE_TIMENS | SABUF_FEATURE_SHMEM)

/* INFO's layout is self-consistent; ro: whether the fd is read-only (-1: unknown). */
void fz_check_info(const struct sabuf_info *i, int ro)
{
	bool bad = i->abi_version != SABUF_ABI_VERSION || i->page_size != FZ_PAGE ||
		   i->reserved[0] || i->reserved[1] ||
		   (i->features & FZ_FEATURES_ABI2) != FZ_FEATURES_ABI2 ||
		   (i->flags & ~(SABUF_INFO_GROWABLE | SABUF_INFO_READONLY)) ||
		   (ro >= 0 && !!(i->flags & SABUF_INFO_READONLY) != ro);

	if (i->id)	/* a buffer (a growable one may be 0 bytes long) */
		bad |= !i->max_byte_length || i->byte_length > i->max_byte_length ||
		       (!(i->flags & SABUF_INFO_GROWABLE) && i->max_byte_length != i->byte_length) ||
		       i->map_length != ((i->max_byte_length + FZ_PAGE - 1) & ~(FZ_PAGE - 1)) ||
		       i->counters_offset != i->map_length || i->counters_length != FZ_PAGE ||
		       !i->counters_slots || (i->counters_slots & (i->counters_slots - 1)) ||
		       i->status_offset % 8 ||
		       i->status_offset + sizeof(struct sabuf_status) > i->counters_length ||
		       (uint64_t)i->counters_slots * 4 > i->status_offset;
	else
		bad |= i->byte_length || i->max_byte_length || i->map_length ||
		       i->counters_offset || i->counters_length || i->counters_slots ||
		       i->status_offset || (i->flags & SABUF_INFO_GROWABLE);
	if (bad)
		fz_fail("INFO is inconsistent: abi %u page %u features %#llx flags %#x (ro %d) "
			"length %llu max %llu map %llu counters %llu+%u slots %u status at %u id %llu "
			"reserved %#llx/%#llx", i->abi_version, i->page_size,
			(unsigned long long)i->features, i->flags, ro,
			(unsigned long long)i->byte_length, (unsigned long long)i->max_byte_length,
			(unsigned long long)i->map_length, (unsigned long long)i->counters_offset,
			i->counters_length, i->counters_slots, i->status_offset,
			(unsigned long long)i->id, (unsigned long long)i->reserved[0],
			(unsigned long long)i->reserved[1]);
}

/* ---- user pointers, good and hostile ---- */

static char *prot_none_page;		/* never accessible */
static char *guard_pair;		/* a read/write page, then a PROT_NONE page */
static char *rdonly_page;		/* random bytes, read-only */
static __thread char *scratch_page;	/* this thread's */

void fz_pointers_init(void)
{
	struct rng r = rng_derive(fz_seed, 0xdead, 0);
	char *p = mmap(NULL, 4 * FZ_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	prot_none_page = p;
	guard_pair = p + FZ_PAGE;
	rdonly_page = p + 3 * FZ_PAGE;
	for (size_t i = 0; i < FZ_PAGE; i += 8) {
		uint64_t v = rng_chance(&r, 50) ? 0 : rng_next(&r);

		memcpy(rdonly_page + i, &v, 8);
	}
	if (mprotect(prot_none_page, FZ_PAGE, PROT_NONE) ||
	    mprotect(guard_pair + FZ_PAGE, FZ_PAGE, PROT_NONE) ||
	    mprotect(rdonly_page, FZ_PAGE, PROT_READ))
		die("mprotect: %s", strerror(errno));
}

void *fz_scratch(void)
{
	if (!scratch_page) {
		scratch_page = mmap(NULL, FZ_PAGE, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (scratch_page == MAP_FAILED)
			die("mmap: %s", strerror(errno));
	}
	return scratch_page;
}

/* A random tracked mapping of at least n bytes (data or counters), fz_lock held. */
static struct fz_map *pick_mapping(struct rng *r, size_t n, bool counters)
{
	unsigned int start, i;

	if (!fz_nr_maps)
		return NULL;
	start = (unsigned int)rng_below(r, fz_nr_maps);
	for (i = 0; i < fz_nr_maps; i++) {
		struct fz_map *m = &fz_maps[(start + i) % fz_nr_maps];

		if (m->sabuf && m->counters == counters && m->len >= n)
			return m;
	}
	return NULL;
}

void *fz_pick_ptr(struct fz_thread *t, size_t n, bool *good, bool *locked)
{
#if UINTPTR_MAX > 0xffffffffu
	static const uint64_t hostile[] = {
		0, 1, 0x1000, 0xffff888000000000ULL, 0xffffffff81000000ULL,
		0xffffffffff600000ULL, 0xfffffffffffff000ULL, 0xffffffffffffffffULL,
		0x0000800000000000ULL, 0x00007ffffffff000ULL, 0x8000000000000000ULL,
	};
#else
	/* A 32-bit (compat) process: only what lies above its address space,
	 * since any other address might be its own memory. */
	static const uint64_t hostile[] = {
		0, 1, 0x1000, 0xffffe000, 0xfffff000, 0xfffffff0, 0xffffffff,
	};
#endif
	unsigned int k = (unsigned int)rng_below(&t->rng, 100);
	char *scratch = fz_scratch();
	struct fz_map *m;

	*good = false;
	*locked = false;
	if (k < 55) {
		*good = true;
		return scratch + 8 * rng_below(&t->rng, (FZ_PAGE - n) / 8);
	}
	if (k < 60) {
		*good = true;	/* misaligned, but fine for the kernel's copies */
		return scratch + rng_range(&t->rng, 1, 7);
	}
	if (k < 72)
		return (void *)(uintptr_t)hostile[rng_below(&t->rng, ARRAY_SIZE(hostile))];
	if (k < 76)
		return prot_none_page + 8 * rng_below(&t->rng, (FZ_PAGE - n) / 8);
	if (k < 80)	/* straddles into the PROT_NONE page */
		return guard_pair + FZ_PAGE - rng_range(&t->rng, 1, n - 1);
	if (k < 86)	/* readable, not writable */
		return rdonly_page + 8 * rng_below(&t->rng, (FZ_PAGE - n) / 8);
	if (k < 97) {
		pthread_mutex_lock(&fz_lock);
		m = pick_mapping(&t->rng, n, k >= 94);
		if (m) {
			*locked = true;
			return m->addr + 8 * rng_below(&t->rng, (m->len - n) / 8 + 1);
		}
		pthread_mutex_unlock(&fz_lock);
		return prot_none_page;
	}
#if UINTPTR_MAX > 0xffffffffu
	return (void *)(uintptr_t)rng_next(&t->rng);	/* almost surely not canonical */
#else
	return (void *)(uintptr_t)rng_range(&t->rng, 0xffffe000u, 0xffffffffu);
#endif
}

/* ---- guarded touches ---- */

__thread sigjmp_buf fz_guard_env;
__thread volatile int fz_guard_on;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	if (fz_guard_on) {
		fz_guard_on = 0;
		siglongjmp(fz_guard_env, sig);
	}
	/* Not a guarded touch: a real bug. Die of it (the fault repeats). */
	signal(sig, SIG_DFL);
}

void fz_guard_install(void)
{
	struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}
