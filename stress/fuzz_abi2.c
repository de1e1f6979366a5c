// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_abi2.c: what ABI 2 added, each op on a buffer or fd of its own so
 * that every answer is predicted exactly (fuzz_dev.c's ops meet the same
 * features at random on shared fds):
 *
 *  op_growable  a growable buffer mapped whole: touches below the current
 *               length work, touches of pages past it raise SIGBUS (caught
 *               under sigsetjmp), wait/notify there give ERANGE; grows by
 *               random amounts (also no-ops, shrinks: EINVAL, past the
 *               maximum: ERANGE); after a grow the status in the counter
 *               page and INFO give the new length and the new bytes read 0.
 *  op_readonly  a read-only dup of a buffer from the table (or of one of
 *               its own) used for every op: INFO says read-only, CREATE,
 *               NOTIFY and GROW give EBADF, a wait works, a writable
 *               mapping gives EACCES, a read-only one works and mprotect
 *               to write gives EACCES, a store through it faults, a dup of
 *               it is read-only too; an O_RDONLY open cannot create.
 */
#include "fuzz.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

static const char *ename(long ret)
{
	return ret ? strerrorname_np((int)-ret) : "0";
}

/* Store v at p (or only load, when !store), guarded: 0, or the signal caught. */
static int guarded(volatile char *p, bool store, char v, char *out)
{
	int sig;

	fz_guard_on = 1;
	sig = sigsetjmp(fz_guard_env, 1);
	if (!sig) {
		if (store)
			*p = v;
		*out = *p;
	}
	fz_guard_on = 0;
	if (sig)
		fz_stats->touches_faulted++;
	return sig;
}

static uint64_t page_up(uint64_t n)
{
	return (n + FZ_PAGE - 1) & ~(FZ_PAGE - 1);
}

static long wait_now(int fd, uint64_t offset, uint64_t expected)
{
	return sb_wait(fd, offset, expected, SABUF_WAIT_SIZE_U32, CLOCK_MONOTONIC, 0);
}

void op_growable(struct fz_thread *t)
{
	struct rng *r = &t->rng;
	struct sabuf_info info;
	const struct sabuf_status *st;
	uint64_t len, max, tail_written_to = 0;
	char *data = MAP_FAILED, *ctr = MAP_FAILED;
	long ret;
	int fd;

	len = rng_chance(r, 20) ? 0 : rng_chance(r, 30) ? FZ_PAGE * rng_range(r, 1, 3) :
	      rng_range(r, 1, 3 * FZ_PAGE);
	max = len + rng_range(r, 1, 8 * FZ_PAGE);
	fd = sb_open(O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	fz_trace_op(t, "growable: %#llx of %#llx", (unsigned long long)len, (unsigned long long)max);
	ret = sb_create_growable(fd, len, max);
	fz_count(OP_GROWABLE, ret);
	if (ret) {
		/* op_caps may have made the caps tiny */
		if (ret != -EFBIG && ret != -EDQUOT && ret != -ENOMEM)
			fz_fail("create growable %#llx of %#llx: %s", (unsigned long long)len,
				(unsigned long long)max, ename(ret));
		close(fd);
		return;
	}
	/* fuzz.h: address-space changes and touches only under fz_lock */
	pthread_mutex_lock(&fz_lock);
	if (sb_info(fd, &info)) {
		fz_fail("INFO of a growable buffer failed");
		goto out;
	}
	fz_check_info(&info, 0);
	if (info.byte_length != len || info.max_byte_length != max ||
	    !(info.flags & SABUF_INFO_GROWABLE) || info.map_length != page_up(max))
		fz_fail("a growable buffer of %llu (max %llu) has INFO length %llu max %llu flags %#x "
			"map %llu", (unsigned long long)len, (unsigned long long)max,
			(unsigned long long)info.byte_length, (unsigned long long)info.max_byte_length,
			info.flags, (unsigned long long)info.map_length);
	data = mmap(NULL, info.map_length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ctr = mmap(NULL, info.counters_length, PROT_READ, MAP_SHARED, fd, (off_t)info.counters_offset);
	if (data == MAP_FAILED || ctr == MAP_FAILED) {
		if (errno != ENOMEM)
			fz_fail("mmap of a growable buffer: %s", strerror(errno));
		goto out;
	}
	st = (const struct sabuf_status *)(ctr + info.status_offset);

	for (unsigned int round = 0; round < 3; round++) {
		uint64_t pages = info.map_length / FZ_PAGE, have = page_up(len) / FZ_PAGE, next;
		unsigned int k = (unsigned int)rng_below(r, 100);
		uint64_t pub = __atomic_load_n(&st->byte_length, __ATOMIC_ACQUIRE);
		struct sabuf_grow g = { 0 };
		char v;

		if (pub != len)
			fz_fail("the status says %llu bytes, the buffer has %llu",
				(unsigned long long)pub, (unsigned long long)len);
		/* Touches: pages below the length work, pages past it raise SIGBUS. */
		for (unsigned int i = 0; i < 4; i++) {
			uint64_t pg = rng_chance(r, 50) ? rng_below(r, pages) :
				      have + rng_below(r, pages - have + 1);
			uint64_t off;
			int sig;

			if (pg >= pages)
				pg = pages - 1;
			off = pg * FZ_PAGE + rng_below(r, FZ_PAGE);
			/* bytes past the length in its last page stay 0 (we store there
			 * only with --grow-tail) */
			bool store = (off < len || (fz_grow_tail && off < page_up(len))) &&
				     rng_chance(r, 50);

			sig = guarded(data + off, store, (char)(off | 1), &v);
			if (!sig && store && off >= len)
				tail_written_to = off;
			if (pg < have && sig)
				fz_fail("a touch at %#llx of a growable buffer of %llu bytes (max %llu) "
					"raised signal %d", (unsigned long long)off,
					(unsigned long long)len, (unsigned long long)max, sig);
			else if (pg >= have && sig != SIGBUS)
				fz_fail("a touch at %#llx, past the %llu bytes of a growable buffer "
					"(max %llu), %s", (unsigned long long)off,
					(unsigned long long)len, (unsigned long long)max,
					sig ? "raised another signal than SIGBUS" : "did not fault");
			else if (pg >= have)
				fz_stats->sigbus_expected++;
			else if (off >= len && v && !tail_written_to)
				fz_fail("byte %#llx, past the length %llu in its last page, reads %#x",
					(unsigned long long)off, (unsigned long long)len, v & 0xff);
		}
		/* Wait and notify past the length: ERANGE; below it: as usual. */
		if (max >= len + 4) {
			uint64_t off = (len + 3) & ~3ULL;

			off += 4 * rng_below(r, (max - off) / 4);
			if (off + 4 <= max) {
				ret = wait_now(fd, off, 0);
				if (ret != -ERANGE)
					fz_fail("wait at %#llx past the length %llu: %s, expected ERANGE",
						(unsigned long long)off, (unsigned long long)len, ename(ret));
				ret = sb_notify(fd, off, 1);
				if (ret != -ERANGE)
					fz_fail("notify at %#llx past the length %llu: %s, expected ERANGE",
						(unsigned long long)off, (unsigned long long)len,
						ret > 0 ? "woke some" : ename(ret));
			}
		}
		if (len >= 4) {
			uint64_t off = 4 * rng_below(r, len / 4);
			uint32_t word = __atomic_load_n((uint32_t *)(data + off), __ATOMIC_SEQ_CST);

			ret = wait_now(fd, off, word + 1);
			if (ret != -EAGAIN)
				fz_fail("wait at %#llx of %llu bytes on a changed word: %s, expected EAGAIN",
					(unsigned long long)off, (unsigned long long)len, ename(ret));
		}
		/* Grow (or try to). */
		g.byte_length = k < 50 ? rng_range(r, len, max) : k < 60 ? len : k < 70 ? max :
				k < 80 ? max + rng_range(r, 1, 2 * FZ_PAGE) :
				len ? rng_below(r, len) : max + 1;
		ret = ioctl(fd, SABUF_IOC_GROW, &g) ? -errno : 0;
		fz_count(OP_GROW, ret);
		if (g.byte_length > max ? ret != -ERANGE : g.byte_length < len ? ret != -EINVAL :
		    ret && ret != -ENOMEM)
			fz_fail("grow %llu -> %llu (max %llu): %s", (unsigned long long)len,
				(unsigned long long)g.byte_length, (unsigned long long)max, ename(ret));
		if (ret)
			continue;
		next = g.byte_length;
		pub = __atomic_load_n(&st->byte_length, __ATOMIC_ACQUIRE);
		if (sb_info(fd, &info) || info.byte_length != next || pub != next)
			fz_fail("after a grow to %llu: INFO %llu, status %llu", (unsigned long long)next,
				(unsigned long long)info.byte_length, (unsigned long long)pub);
		/* The new bytes read as zero (ES2024 grow()), the one stored
		 * past the old length (--grow-tail) included. */
		if (tail_written_to && tail_written_to < next &&
		    (guarded(data + tail_written_to, false, 0, &v) || v))
			fz_fail("byte %#llx, stored past the length %llu before a grow to %llu, "
				"reads %#x after it, not 0", (unsigned long long)tail_written_to,
				(unsigned long long)len, (unsigned long long)next, v & 0xff);
		/* a byte stored past the new length too (a grow to the same length, or
		 * within the page) is still past it: nothing promised to zero it */
		if (tail_written_to < next)
			tail_written_to = 0;
		for (uint64_t off = len; off < next; off += 1 + rng_below(r, 512)) {
			if (guarded(data + off, false, 0, &v) || v) {
				fz_fail("byte %#llx, new after a grow %llu -> %llu, reads %#x, not 0",
					(unsigned long long)off, (unsigned long long)len,
					(unsigned long long)next, v & 0xff);
				break;
			}
		}
		len = next;
	}
out:
	if (data != MAP_FAILED)
		munmap(data, info.map_length);
	if (ctr != MAP_FAILED)
		munmap(ctr, info.counters_length);
	/* Now and then it joins the table, for the random ops. */
	if (rng_chance(r, 25)) {
		struct fz_fd *f = fz_fd_add(fd, FD_SABUF);

		if (f) {
			f->rdwr = true;
			fz_fd_refresh(f);
		}
	} else {
		close(fd);
	}
	pthread_mutex_unlock(&fz_lock);
}

void op_readonly(struct fz_thread *t)
{
	struct rng *r = &t->rng;
	struct sabuf_info info, src;
	struct sabuf_grow g = { 0 };
	struct fz_fd *f;
	char *p, v;
	long ret;
	int fd = -1, ro, ro2, sig;

	/* An O_RDONLY open is a read-only handle: it cannot create. */
	if (rng_chance(r, 20)) {
		fd = sb_open(O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ret = rng_chance(r, 50) ? sb_create(fd, FZ_PAGE) :
			      sb_create_growable(fd, 0, FZ_PAGE);
			if (ret != -EBADF)
				fz_fail("create on an O_RDONLY handle: %s, expected EBADF", ename(ret));
			ret = sb_dup_readonly(fd);
			if (ret != -EBADFD)
				fz_fail("dup-readonly of an empty handle: %s, expected EBADFD",
					ret >= 0 ? "an fd" : ename(ret));
			if (ret >= 0)
				close((int)ret);
			close(fd);
			fd = -1;
		}
	}
	/* The source: a buffer from the table, or one of our own. fz_lock
	 * throughout: the table, and the mappings made here (fuzz.h). */
	pthread_mutex_lock(&fz_lock);
	f = fz_fd_random(r, FD_SABUF);
	if (f && rng_chance(r, 70)) {
		fz_fd_refresh(f);
		ro = f->created ? sb_dup_readonly(f->fd) : -EBADFD;
	} else {
		ro = -EBADFD;
	}
	if (ro == -EBADFD) {
		fd = sb_open(O_RDWR | O_CLOEXEC);
		if (fd < 0)
			goto out;
		ret = rng_chance(r, 50) ? sb_create(fd, rng_range(r, 1, 3 * FZ_PAGE)) :
		      sb_create_growable(fd, rng_range(r, 0, 2 * FZ_PAGE), 3 * FZ_PAGE);
		if (ret)
			goto out;
		ro = sb_dup_readonly(fd);
	}
	fz_count(OP_READONLY, ro < 0 ? ro : 0);
	if (ro < 0) {
		if (ro != -EMFILE && ro != -ENOMEM && ro != -ENFILE)
			fz_fail("dup-readonly of a buffer: %s", ename(ro));
		goto out;
	}
	fz_trace_op(t, "readonly fd %d", ro);
	if (sb_info(ro, &info)) {
		fz_fail("INFO on a read-only fd failed");
		goto out;
	}
	fz_check_info(&info, 1);
	if (fd >= 0 && (sb_info(fd, &src) || src.id != info.id || (src.flags & SABUF_INFO_READONLY)))
		fz_fail("the read-only dup is not of the same buffer, or the source turned read-only");

	/* Every op that needs write access: EBADF. */
	if ((ret = sb_create(ro, FZ_PAGE)) != -EBADF)
		fz_fail("create on a read-only dup: %s, expected EBADF", ename(ret));
	if ((ret = sb_notify(ro, 0, SABUF_NOTIFY_ALL)) != -EBADF)
		fz_fail("notify on a read-only dup: %s, expected EBADF", ret > 0 ? "woke some" : ename(ret));
	g.byte_length = info.max_byte_length;
	if ((ret = ioctl(ro, SABUF_IOC_GROW, &g) ? -errno : 0) != -EBADF)
		fz_fail("grow on a read-only dup: %s, expected EBADF", ename(ret));
	/* A wait works (it only reads). */
	if (info.byte_length >= 4) {
		ret = wait_now(ro, 0, rng_below(r, 2));
		if (ret != -EAGAIN && ret != -ETIMEDOUT)
			fz_fail("a wait on a read-only dup: %s, expected EAGAIN/ETIMEDOUT", ename(ret));
	} else if ((ret = wait_now(ro, 0, 0)) != -ERANGE) {
		fz_fail("a wait at 0 of a %llu-byte buffer (read-only dup): %s, expected ERANGE",
			(unsigned long long)info.byte_length, ename(ret));
	}
	/* A dup of the dup: read-only as well. */
	ro2 = sb_dup_readonly(ro);
	if (ro2 >= 0) {
		struct sabuf_info i2;

		if (sb_info(ro2, &i2) || !(i2.flags & SABUF_INFO_READONLY) || i2.id != info.id)
			fz_fail("a dup of a read-only dup is not a read-only handle of the buffer");
		if ((ret = sb_notify(ro2, 0, 1)) != -EBADF)
			fz_fail("notify on a dup of a read-only dup: %s, expected EBADF", ename(ret));
		close(ro2);
	} else if (ro2 != -EMFILE && ro2 != -ENOMEM) {
		fz_fail("dup-readonly of a read-only fd: %s", ename(ro2));
	}

	/* Mappings: never writable. */
	p = mmap(NULL, info.map_length, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
	if (p != MAP_FAILED || errno != EACCES) {
		fz_fail("a writable mapping of a read-only dup: %s, expected EACCES",
			p != MAP_FAILED ? "mapped" : strerror(errno));
		if (p != MAP_FAILED)
			munmap(p, info.map_length);
	}
	p = mmap(NULL, info.map_length, PROT_READ, MAP_SHARED, ro, 0);
	if (p == MAP_FAILED) {
		if (errno != ENOMEM)
			fz_fail("a read-only mapping of a read-only dup: %s", strerror(errno));
		goto out;
	}
	ret = mprotect(p, info.map_length, PROT_READ | PROT_WRITE) ? -errno : 0;
	if (ret != -EACCES)
		fz_fail("mprotect to write a read-only dup's mapping: %s, expected EACCES",
			ret ? ename(ret) : "allowed");
	if (info.byte_length) {
		sig = guarded(p, false, 0, &v);
		if (sig)
			fz_fail("a load from a read-only dup's mapping raised signal %d", sig);
		sig = guarded(p, true, 1, &v);
		if (sig != SIGSEGV)
			fz_fail("a store through a read-only dup's mapping %s",
				sig ? "raised another signal than SIGSEGV" : "did not fault");
	}
	munmap(p, info.map_length);
	p = mmap(NULL, info.counters_length, PROT_READ, MAP_SHARED, ro, (off_t)info.counters_offset);
	if (p == MAP_FAILED) {
		if (errno != ENOMEM)
			fz_fail("the counter page of a read-only dup: %s", strerror(errno));
	} else {
		ret = mprotect(p, info.counters_length, PROT_READ | PROT_WRITE) ? -errno : 0;
		if (ret != -EACCES)
			fz_fail("mprotect to write the counter page of a read-only dup: %s, "
				"expected EACCES", ret ? ename(ret) : "allowed");
		munmap(p, info.counters_length);
	}
	/* MAP_PRIVATE: the module wants shared mappings only, read-only or not. */
	p = mmap(NULL, FZ_PAGE, PROT_READ, MAP_PRIVATE, ro, 0);
	if (p != MAP_FAILED || errno != EINVAL) {
		fz_fail("a private mapping of a read-only dup: %s, expected EINVAL",
			p != MAP_FAILED ? "mapped" : strerror(errno));
		if (p != MAP_FAILED)
			munmap(p, FZ_PAGE);
	}
out:
	/* Sometimes the read-only fd joins the table, for the random ops. */
	if (ro >= 0 && rng_chance(r, 30)) {
		f = fz_fd_add(ro, FD_SABUF);
		if (f) {
			f->ro = true;
			fz_fd_refresh(f);
		}
	} else if (ro >= 0) {
		close(ro);
	}
	if (fd >= 0)
		close(fd);
	pthread_mutex_unlock(&fz_lock);
}
