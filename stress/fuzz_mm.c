// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_mm.c: the fuzzer's mappings. mmap with random and boundary
 * offsets, lengths, protections and flags; munmap, mprotect, mremap and
 * madvise of whole mappings and of pieces of them (splitting VMAs, which
 * the module counts); guarded touches; pipes and vmsplice holding the
 * buffer's pages; process_vm_readv/writev reaching them through GUP.
 *
 * The table fz_maps[] is exactly what the fuzzer has mapped, and the arena
 * (FZ_SLOTS slots of FZ_SLOT_SIZE) is always fully covered: by a tracked
 * mapping or by a PROT_NONE reservation. Everything here runs under fz_lock.
 */
#include "fuzz.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/uio.h>

static char *arena;
#define ARENA_BYTES	((size_t)FZ_SLOTS * FZ_SLOT_SIZE)

static bool in_arena(const char *p)
{
	return p >= arena && p < arena + ARENA_BYTES;
}

/* Cover [p, p+len) of the arena with a PROT_NONE reservation again. */
static void reserve(char *p, size_t len)
{
	if (mmap(p, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0)
	    == MAP_FAILED)
		die("cannot re-reserve the arena at %p+%zu: %s", (void *)p, len, strerror(errno));
}

void fz_arena_init(void)
{
	arena = mmap(NULL, ARENA_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (arena == MAP_FAILED)
		die("cannot reserve the arena: %s", strerror(errno));
}

/* Give [p, p+len) back: to the arena's reservation, or to the kernel. */
static void release(char *p, size_t len)
{
	if (in_arena(p))
		reserve(p, len);
	else
		munmap(p, len);
}

static struct fz_map *map_add(char *addr, size_t len, const struct fz_map *like)
{
	struct fz_map *m;

	if (fz_nr_maps == FZ_MAX_MAPS) {
		release(addr, len);
		return NULL;
	}
	m = &fz_maps[fz_nr_maps++];
	*m = *like;
	m->addr = addr;
	m->len = len;
	m->in_arena = in_arena(addr);
	return m;
}

/* [lo, hi) is no longer mapped by us: trim, split or drop the entries there. */
static void table_cut(char *lo, char *hi)
{
	for (unsigned int i = 0; i < fz_nr_maps; i++) {
		struct fz_map *m = &fz_maps[i], right;
		char *a = m->addr, *b = m->addr + m->len;

		if (b <= lo || a >= hi)
			continue;
		right = *m;
		if (a < lo) {
			m->len = (size_t)(lo - a);
		} else {
			*m = fz_maps[--fz_nr_maps];
			i--;
		}
		if (hi < b)
			map_add(hi, (size_t)(b - hi), &right);
	}
}

static void fz_map_remove_index(unsigned int i)
{
	struct fz_map m = fz_maps[i];

	fz_maps[i] = fz_maps[--fz_nr_maps];
	release(m.addr, m.len);
}

void fz_unmap_all(void)
{
	while (fz_nr_maps)
		fz_map_remove_index(0);
}

/* After fork: MADV_DONTFORK mappings did not come along; forget them. */
void fz_maps_after_fork(void)
{
	for (unsigned int i = 0; i < fz_nr_maps; i++) {
		struct fz_map *m = &fz_maps[i];

		if (!msync(m->addr, m->len, MS_ASYNC) || errno != ENOMEM)
			continue;
		if (m->in_arena)
			reserve(m->addr, m->len);
		*m = fz_maps[--fz_nr_maps];
		i--;
	}
}

static char *slot_addr(unsigned int s)
{
	return arena + (size_t)s * FZ_SLOT_SIZE;
}

static bool slot_free(unsigned int s)
{
	char *lo = slot_addr(s), *hi = lo + FZ_SLOT_SIZE;

	for (unsigned int i = 0; i < fz_nr_maps; i++)
		if (fz_maps[i].addr < hi && fz_maps[i].addr + fz_maps[i].len > lo)
			return false;
	return true;
}

static char *free_slot(struct rng *r)
{
	unsigned int start = (unsigned int)rng_below(r, FZ_SLOTS);

	for (unsigned int i = 0; i < FZ_SLOTS; i++)
		if (slot_free((start + i) % FZ_SLOTS))
			return slot_addr((start + i) % FZ_SLOTS);
	return NULL;
}

static struct fz_map *random_map(struct rng *r)
{
	return fz_nr_maps ? &fz_maps[rng_below(r, fz_nr_maps)] : NULL;
}

/* A page-aligned piece of m: all of it, its head, its tail or its middle. */
static void pick_piece(struct rng *r, const struct fz_map *m, char **lo, char **hi)
{
	size_t pages = m->len / FZ_PAGE, a = 0, b = pages;

	if (pages > 1 && rng_chance(r, 60)) {
		a = rng_below(r, pages);
		b = rng_range(r, a + 1, pages);
	}
	*lo = m->addr + a * FZ_PAGE;
	*hi = m->addr + b * FZ_PAGE;
}

static size_t round_up(uint64_t len)
{
	return (size_t)((len + FZ_PAGE - 1) & ~(FZ_PAGE - 1));
}

static const char *errname(long ret)
{
	return ret ? strerrorname_np((int)-ret) : "success";
}

/* ---- mmap ---- */

void op_mmap(struct fz_thread *t)
{
	struct rng *r = &t->rng;
	struct fz_fd *f;
	struct fz_map like = { 0 };
	uint64_t ml = 0, off, len;
	unsigned int k;
	int prot, flags, fd;
	bool fixed = false, model;
	char *addr = NULL, *p;
	long ret, want = 0;

	pthread_mutex_lock(&fz_lock);
	if (fz_nr_maps >= FZ_MAX_MAPS - 2)
		fz_map_remove_index((unsigned int)rng_below(r, fz_nr_maps));
	f = fz_fd_random(r, rng_chance(r, 85) ? FD_SABUF : -1);
	fd = f ? f->fd : rng_chance(r, 50) ? -1 : 1000;
	if (f && f->kind == FD_SABUF)
		fz_fd_refresh(f);
	/* the whole maximum is mappable; pages past the current length SIGBUS when touched */
	ml = f && f->created ? f->map_length : 0;

	k = (unsigned int)rng_below(r, 100);
	off = k < 45 ? FZ_PAGE * rng_below(r, ml / FZ_PAGE + 1) :
	      k < 60 ? ml :
	      k < 70 ? 0 :
	      k < 80 ? ml + FZ_PAGE * rng_range(r, 1, 4) :
	      k < 85 ? rng_below(r, 1 << 20) :
	      k < 90 ? (rng_chance(r, 50) ? 1ULL << 40 : (uint64_t)-FZ_PAGE) :
	      FZ_PAGE * rng_below(r, 16);
	k = (unsigned int)rng_below(r, 100);
	len = k < 40 ? (off < ml ? ml - off : FZ_PAGE) :
	      k < 55 ? FZ_PAGE * rng_range(r, 1, 4) :
	      k < 65 ? (ml ? ml : FZ_PAGE) :
	      k < 72 ? ml + FZ_PAGE :
	      k < 78 ? 0 :
	      k < 84 ? rng_range(r, 1, 3 * FZ_PAGE) :
	      k < 94 ? FZ_PAGE * rng_range(r, 1, 1024) :
	      rng_chance(r, 50) ? 1ULL << 40 : rng_next(r);
	len = (size_t)len;	/* what a 32-bit caller can pass at all */
	k = (unsigned int)rng_below(r, 100);
	prot = k < 70 ? PROT_READ | PROT_WRITE : k < 80 ? PROT_READ : k < 85 ? PROT_WRITE :
	       k < 90 ? PROT_READ | PROT_WRITE | PROT_EXEC : k < 95 ? PROT_NONE :
	       (int)(rng_next(r) & 7);
	k = (unsigned int)rng_below(r, 100);
	flags = k < 75 ? MAP_SHARED : k < 88 ? MAP_PRIVATE : MAP_SHARED_VALIDATE;
	model = flags == MAP_SHARED || flags == MAP_PRIVATE;
	if (rng_chance(r, 15)) {
		static const int extras[] = {
			MAP_POPULATE, MAP_LOCKED, MAP_NORESERVE, MAP_SYNC, MAP_32BIT,
			MAP_GROWSDOWN, MAP_HUGETLB, MAP_ANONYMOUS, MAP_STACK, MAP_NONBLOCK,
		};
		flags |= extras[rng_below(r, ARRAY_SIZE(extras))];
		model = false;
	}
	k = (unsigned int)rng_below(r, 100);
	if (len && round_up(len) <= FZ_SLOT_SIZE && k < 70 && (addr = free_slot(r))) {
		flags |= MAP_FIXED;
		fixed = true;
	} else if (k < 80 && (addr = free_slot(r))) {
		flags |= MAP_FIXED_NOREPLACE;	/* onto the reservation: EEXIST */
		model = false;
	} else {
		addr = NULL;
	}

	/* What the module's rules (kmod/README.md) say about a plain call. */
	model = model && f && f->kind == FD_SABUF && (f->rdwr || f->ro) && f->created &&
		!(off % FZ_PAGE) && len && !(len % FZ_PAGE) && off < (1ULL << 40) && len < (1ULL << 40);
	if (model) {
		/* a read-only fd: the core refuses a shared writable mapping first */
		if (f->ro && (flags & MAP_SHARED) && (prot & PROT_WRITE))
			want = -EACCES;
		else if (!(flags & MAP_SHARED))
			want = -EINVAL;
		else if (prot & PROT_EXEC)
			want = -EPERM;
		else if (off == ml && len == FZ_PAGE)
			want = prot & PROT_WRITE ? -EPERM : 0;
		else if (off + len > ml)
			want = -ENXIO;
		else
			want = 0;
	}

	fz_trace_op(t, "mmap %p len %#llx prot %#x flags %#x fd %d off %#llx", (void *)addr,
		    (unsigned long long)len, prot, flags, fd, (unsigned long long)off);
	p = mmap(addr, (size_t)len, prot, flags, fd, (off_t)off);
	ret = p == MAP_FAILED ? -errno : 0;
	if (ret) {
		/* A failed MAP_FIXED may already have unmapped what was there. */
		if (fixed)
			reserve(addr, round_up(len));
	} else {
		like.sabuf = f && f->kind == FD_SABUF && !(flags & MAP_ANONYMOUS);
		like.counters = like.sabuf && ml && off == ml;
		like.maywrite = f && f->rdwr;
		like.id = f ? f->id : 0;
		map_add(p, round_up(len), &like);
	}
	if (model && ret != want && !(ret == -ENOMEM && !want))
		fz_fail("mmap(len %#llx, prot %#x, flags %#x, off %#llx) of a %#llx-byte mapping "
			"(%s fd): %s, expected %s", (unsigned long long)len, prot, flags,
			(unsigned long long)off, (unsigned long long)ml, f->ro ? "read-only" : "O_RDWR",
			errname(ret), errname(want));
	pthread_mutex_unlock(&fz_lock);
	fz_count(OP_MMAP, ret);
}

/* ---- munmap ---- */

void op_munmap(struct fz_thread *t)
{
	struct fz_map *m;
	char *lo, *hi;
	long ret;

	pthread_mutex_lock(&fz_lock);
	m = random_map(&t->rng);
	if (!m) {
		pthread_mutex_unlock(&fz_lock);
		return;
	}
	if (rng_chance(&t->rng, 5)) {
		static const uint64_t bogus[] = { 0xffff888000000000ULL, 1, 0x1001, 0 };
		uintptr_t a = (uintptr_t)bogus[rng_below(&t->rng, ARRAY_SIZE(bogus))];

		pthread_mutex_unlock(&fz_lock);
		ret = munmap((void *)a, a ? FZ_PAGE : 0) ? -errno : 0;
		fz_count(OP_MUNMAP, ret);
		if (ret != -EINVAL)
			fz_fail("munmap(%#lx) returned %s, expected EINVAL", (unsigned long)a,
				errname(ret));
		return;
	}
	pick_piece(&t->rng, m, &lo, &hi);
	fz_trace_op(t, "munmap %p..%p of %p+%#zx", (void *)lo, (void *)hi, (void *)m->addr, m->len);
	if (m->in_arena && rng_chance(&t->rng, 30)) {
		reserve(lo, (size_t)(hi - lo));	/* replaced: the module sees the same close */
		ret = 0;
	} else {
		ret = munmap(lo, (size_t)(hi - lo)) ? -errno : 0;
		if (!ret && m->in_arena)
			reserve(lo, (size_t)(hi - lo));
	}
	if (!ret)
		table_cut(lo, hi);
	else
		fz_fail("munmap of a tracked range failed: %s", errname(ret));
	pthread_mutex_unlock(&fz_lock);
	fz_count(OP_MUNMAP, ret);
}

/* ---- mprotect ---- */

void op_mprotect(struct fz_thread *t)
{
	static const int prots[] = {
		PROT_READ, PROT_READ | PROT_WRITE, PROT_NONE, PROT_WRITE, PROT_EXEC,
		PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC,
	};
	struct fz_map *m;
	char *lo, *hi;
	long ret, want;
	int prot;

	pthread_mutex_lock(&fz_lock);
	m = random_map(&t->rng);
	if (!m) {
		pthread_mutex_unlock(&fz_lock);
		return;
	}
	pick_piece(&t->rng, m, &lo, &hi);
	prot = rng_chance(&t->rng, 97) ? prots[rng_below(&t->rng, ARRAY_SIZE(prots))] :
	       (int)(rng_next(&t->rng) & 0x3000007);
	fz_trace_op(t, "mprotect %p..%p prot %#x (%s)", (void *)lo, (void *)hi, prot,
		    m->sabuf ? m->counters ? "counters" : "data" : "other");
	ret = mprotect(lo, (size_t)(hi - lo), prot) ? -errno : 0;
	if (m->sabuf && !(prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))) {
		/* VM_MAYEXEC is gone from every mapping, VM_MAYWRITE from the counters' */
		want = (prot & PROT_EXEC) ||
		       ((prot & PROT_WRITE) && (m->counters || !m->maywrite)) ? -EACCES : 0;
		if (ret != want && ret != -ENOMEM)
			fz_fail("mprotect(%#x) of a sabuf %s mapping: %s, expected %s", prot,
				m->counters ? "counter" : "data", errname(ret), errname(want));
	}
	pthread_mutex_unlock(&fz_lock);
	fz_count(OP_MPROTECT, ret);
}

/* ---- mremap ---- */

void op_mremap(struct fz_thread *t)
{
	struct fz_map *m, like;
	unsigned int k = (unsigned int)rng_below(&t->rng, 100);
	char *lo, *hi, *dest, *p;
	size_t old_len, new_len;
	long ret, want;
	int flags;

	pthread_mutex_lock(&fz_lock);
	m = random_map(&t->rng);
	if (!m || !m->sabuf) {
		pthread_mutex_unlock(&fz_lock);
		return;
	}
	like = *m;
	pick_piece(&t->rng, m, &lo, &hi);
	old_len = (size_t)(hi - lo);
	dest = NULL;
	flags = 0;
	if (k < 25 && old_len > FZ_PAGE) {		/* shrink in place */
		new_len = FZ_PAGE * rng_range(&t->rng, 1, old_len / FZ_PAGE - 1);
		want = 0;
	} else if (k < 45) {				/* grow: VM_DONTEXPAND says no */
		new_len = old_len + FZ_PAGE * rng_range(&t->rng, 1, 4);
		flags = rng_chance(&t->rng, 50) ? MREMAP_MAYMOVE : 0;
		want = -EFAULT;
	} else if (k < 75 && (dest = free_slot(&t->rng)) && old_len <= FZ_SLOT_SIZE) {
		new_len = old_len;			/* move a piece into a free slot */
		flags = MREMAP_MAYMOVE | MREMAP_FIXED;
		want = 0;
	} else if (k < 85) {
		new_len = old_len;
		flags = MREMAP_MAYMOVE | MREMAP_DONTUNMAP;
		dest = NULL;
		want = -EINVAL;
	} else {					/* old_len 0: duplicate, refused */
		old_len = 0;
		new_len = FZ_PAGE;
		flags = MREMAP_MAYMOVE;
		dest = NULL;
		want = -EFAULT;
	}
	fz_trace_op(t, "mremap %p len %#zx -> %#zx flags %#x dest %p", (void *)lo, old_len,
		    new_len, flags, (void *)dest);
	p = mremap(lo, old_len, new_len, flags, dest);
	ret = p == MAP_FAILED ? -errno : 0;
	if (!ret) {
		if (new_len < old_len) {
			/* the tail is gone */
			if (p != lo)
				fz_fail("mremap shrank in place to %p, not %p", (void *)p, (void *)lo);
			if (m->in_arena)
				reserve(lo + new_len, old_len - new_len);
			table_cut(lo + new_len, lo + old_len);
		} else if (old_len) {
			/* moved (or, unexpectedly, grown): the source is gone */
			if (like.in_arena)
				reserve(lo, old_len);
			table_cut(lo, hi);
			map_add(p, new_len, &like);
		} else {
			map_add(p, new_len, &like);
		}
	}
	/*
	 * A piece may span several VMAs (after an mprotect of part of it):
	 * moving it then fails with EFAULT ("can't remap across vm area
	 * boundaries"); DONTUNMAP may meet that check too.
	 */
	if (ret != want && !(want == 0 && ret == -ENOMEM) &&
	    !(ret == -EFAULT && (flags & MREMAP_FIXED || flags & MREMAP_DONTUNMAP)))
		fz_fail("mremap(%#zx -> %#zx, flags %#x) of a sabuf mapping: %s, expected %s",
			old_len, new_len, flags, errname(ret), errname(want));
	pthread_mutex_unlock(&fz_lock);
	fz_count(OP_MREMAP, ret);
}

/* ---- madvise ---- */

void op_madvise(struct fz_thread *t)
{
	/* Never MADV_HWPOISON or MADV_SOFT_OFFLINE: they poison real pages. */
	static const int advice[] = {
		MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED,
		MADV_FREE, MADV_REMOVE, MADV_DONTFORK, MADV_DOFORK, MADV_MERGEABLE,
		MADV_UNMERGEABLE, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_DODUMP,
		MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_COLD, MADV_PAGEOUT, MADV_POPULATE_READ,
		MADV_POPULATE_WRITE, 24 /* MADV_DONTNEED_LOCKED */, 25 /* MADV_COLLAPSE */,
	};
	struct fz_map *m;
	char *lo, *hi;
	long ret;
	int adv;

	pthread_mutex_lock(&fz_lock);
	m = random_map(&t->rng);
	if (!m) {
		pthread_mutex_unlock(&fz_lock);
		return;
	}
	pick_piece(&t->rng, m, &lo, &hi);
	adv = advice[rng_below(&t->rng, ARRAY_SIZE(advice))];
	fz_trace_op(t, "madvise %p..%p %d", (void *)lo, (void *)hi, adv);
	ret = madvise(lo, (size_t)(hi - lo), adv) ? -errno : 0;
	pthread_mutex_unlock(&fz_lock);
	fz_count(OP_MADVISE, ret);
}

/* ---- touches ---- */

void op_touch(struct fz_thread *t)
{
	struct rng *r = &t->rng;
	struct fz_map *m;
	unsigned int k = (unsigned int)rng_below(r, 100);
	size_t off;
	char *p;

	pthread_mutex_lock(&fz_lock);
	m = random_map(r);
	if (!m) {
		pthread_mutex_unlock(&fz_lock);
		return;
	}
	off = 8 * rng_below(r, m->len / 8);
	p = m->addr + off;
	fz_trace_op(t, "touch %p (%u, %s)", (void *)p, k,
		    m->sabuf ? m->counters ? "counters" : "data" : "other");
	fz_guard_on = 1;
	if (!sigsetjmp(fz_guard_env, 1)) {
		if (m->counters || k < 30) {
			uint32_t v = __atomic_load_n((uint32_t *)p, __ATOMIC_SEQ_CST);

			/* A counter counts queued waiters: a huge one is an underflow.
			 * (The second half of the page is the status: the length.) */
			if (m->counters && off < FZ_PAGE / 2 && v > (1u << 20)) {
				fz_guard_on = 0;
				fz_fail("waiter counter at slot %zu reads %#x", off / 4, v);
			}
			if (m->counters && k >= 90) {
				*(volatile uint32_t *)p = v;	/* must fault: read-only */
				fz_guard_on = 0;
				fz_fail("a write to the counter page at %p did not fault", (void *)p);
			}
		} else if (k < 60) {
			__atomic_fetch_add((uint32_t *)p, 1, __ATOMIC_SEQ_CST);
		} else if (k < 80) {
			__atomic_store_n((uint64_t *)p, rng_chance(r, 50) ? 0 : rng_next(r),
					 __ATOMIC_SEQ_CST);
		} else {
			size_t n = rng_range(r, 1, m->len - off < 4096 ? m->len - off : 4096);

			memset(p, (int)rng_below(r, 256), n);
		}
		fz_guard_on = 0;
		fz_count(OP_TOUCH, 0);
	} else {
		fz_stats->touches_faulted++;
		fz_count(OP_TOUCH, -EFAULT);
	}
	pthread_mutex_unlock(&fz_lock);
}

/* ---- pipes: vmsplice holds the buffer's pages past its munmap and close ---- */

void op_pipe(struct fz_thread *t)
{
	struct rng *r = &t->rng;
	unsigned int k = (unsigned int)rng_below(r, 100);
	struct fz_map *m;
	struct iovec iov;
	char *lo, *hi;
	long ret = 0;

	pthread_mutex_lock(&fz_lock);
	if (t->pipe[0] < 0 && pipe2(t->pipe, O_NONBLOCK | O_CLOEXEC)) {
		pthread_mutex_unlock(&fz_lock);
		return;
	}
	m = random_map(r);
	if (k < 15 || !m) {
		fz_trace_op(t, "pipe: drain");
		while (read(t->pipe[0], fz_scratch(), FZ_PAGE) > 0)
			;
	} else if (k < 25) {
		fz_trace_op(t, "pipe: close with pages inside");
		close(t->pipe[0]);
		close(t->pipe[1]);
		t->pipe[0] = t->pipe[1] = -1;
	} else {
		pick_piece(r, m, &lo, &hi);
		iov.iov_base = lo + rng_below(r, 64);
		iov.iov_len = (size_t)(hi - (char *)iov.iov_base);
		if (iov.iov_len > 65536)
			iov.iov_len = 65536;
		fz_trace_op(t, "pipe: %u on %p+%#zx", k, iov.iov_base, iov.iov_len);
		if (k < 55)
			ret = vmsplice(t->pipe[1], &iov, 1,
				       SPLICE_F_NONBLOCK | (rng_chance(r, 30) ? SPLICE_F_GIFT : 0));
		else if (k < 75)
			ret = write(t->pipe[1], iov.iov_base, iov.iov_len);
		else	/* the kernel writes into the mapping (EFAULT when read-only) */
			ret = read(t->pipe[0], iov.iov_base, iov.iov_len);
		ret = ret < 0 ? -errno : 0;
	}
	pthread_mutex_unlock(&fz_lock);
	fz_count(OP_PIPE, ret);
}

/* ---- process_vm_readv/writev on ourselves: remote GUP of the pages ---- */

void op_vm_rw(struct fz_thread *t)
{
	struct fz_map *m;
	struct iovec local, remote;
	char *lo, *hi;
	long ret;

	pthread_mutex_lock(&fz_lock);
	m = random_map(&t->rng);
	if (!m) {
		pthread_mutex_unlock(&fz_lock);
		return;
	}
	pick_piece(&t->rng, m, &lo, &hi);
	remote.iov_base = lo;
	remote.iov_len = (size_t)(hi - lo) < FZ_PAGE ? (size_t)(hi - lo) : FZ_PAGE;
	local.iov_base = fz_scratch();
	local.iov_len = remote.iov_len;
	fz_trace_op(t, "process_vm_rw %p+%#zx", (void *)lo, remote.iov_len);
	if (rng_chance(&t->rng, 50))
		ret = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	else
		ret = process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
	ret = ret < 0 ? -errno : 0;
	pthread_mutex_unlock(&fz_lock);
	fz_count(OP_VM_RW, ret);
}
