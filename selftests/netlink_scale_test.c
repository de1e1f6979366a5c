// SPDX-License-Identifier: GPL-2.0
/*
 * Introspection at scale. ABI 1's QUEUES_GET put every queue in one
 * attribute nest whose 16-bit length wrapped past ~2730 queues (a corrupt
 * reply), counted queues in O(W^2) under bucket spinlocks and walked every
 * bucket under the global registry lock; its dumps rescanned the registry
 * from its head for every part. Here:
 *
 *  - 10^4 waiters on 10^4 offsets: the QUEUES_GET dump lists each offset
 *    once, ascending, with length 1; `sabuf show --json` lists them all;
 *  - 10^5 buffers: the GET dump lists every id once, ascending.
 *
 *  - 10^5 waited-on offsets (threads each in 128 queues, by wait-any):
 *    the dump and `sabuf show` list every one.
 *
 * And 0.3's lists: in both, the WAITERS_GET dump lists every waiter once,
 * by ascending offset; 10^4 processes holding one buffer: the HOLDERS_GET
 * dump lists every one once, by ascending pid (a tenth of each count on a
 * debug kernel).
 */
#include "sabuf_test.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/sabuf_netlink.h>

#define NR_QUEUES	10000
#define MIN_QUEUES	4000	/* past ABI 1's 16-bit nest overflow (~2730) */
#define NR_BUFFERS	100000
#define RECV_SIZE	(64 * 1024)

static int nl_open(void)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 30 };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		close(fd);
		return -errno;
	}
	return fd;
}

struct req {
	struct nlmsghdr nlh;
	struct genlmsghdr genl;
	char attrs[64];
};

static void put_attr(struct req *r, uint16_t type, const void *data, uint16_t len)
{
	struct nlattr *nla = (struct nlattr *)((char *)r + NLMSG_ALIGN(r->nlh.nlmsg_len));

	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	memcpy((char *)nla + NLA_HDRLEN, data, len);
	r->nlh.nlmsg_len = NLMSG_ALIGN(r->nlh.nlmsg_len) + NLA_ALIGN(nla->nla_len);
}

/* Send a request; 0 or -errno. */
static int send_req(int fd, uint16_t type, uint8_t cmd, uint16_t flags, uint16_t attr,
		    const void *data, uint16_t len)
{
	static uint32_t seq;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct req r = {
		.nlh = { .nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN), .nlmsg_type = type,
			 .nlmsg_flags = NLM_F_REQUEST | flags, .nlmsg_seq = ++seq },
		.genl = { .cmd = cmd, .version = 1 },
	};

	if (data)
		put_attr(&r, attr, data, len);
	return sendto(fd, &r, r.nlh.nlmsg_len, 0, (struct sockaddr *)&kernel,
		      sizeof(kernel)) < 0 ? -errno : 0;
}

/*
 * Receive until NLMSG_DONE or an error; call fn for every data message.
 * 0, the kernel's -errno, or -EPROTO when a message is malformed.
 */
static int recv_all(int fd, int (*fn)(const struct nlmsghdr *, void *), void *arg)
{
	char *buf = malloc(RECV_SIZE);
	int ret = 1;

	if (!buf)
		return -ENOMEM;
	while (ret == 1) {
		ssize_t n = recv(fd, buf, RECV_SIZE, 0);
		const struct nlmsghdr *nlh;

		if (n < 0) {
			ret = -errno;
			break;
		}
		for (nlh = (void *)buf; ret == 1 && NLMSG_OK(nlh, n); nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				ret = ((const struct nlmsgerr *)NLMSG_DATA(nlh))->error;
			} else if (nlh->nlmsg_type == NLMSG_DONE) {
				ret = *(const int *)NLMSG_DATA(nlh);
			} else if (fn(nlh, arg)) {
				ret = -EPROTO;
			}
		}
	}
	free(buf);
	return ret;
}

#define for_each_attr(nla, head, len, rem)				\
	for (nla = (head), rem = (len);					\
	     rem >= (int)sizeof(*nla) && nla->nla_len >= sizeof(*nla) && nla->nla_len <= rem; \
	     rem -= NLA_ALIGN(nla->nla_len),				\
	     nla = (const struct nlattr *)((const char *)nla + NLA_ALIGN(nla->nla_len)))

static const void *payload(const struct nlattr *nla)
{
	return (const char *)nla + NLA_HDRLEN;
}

static uint64_t get_u64(const struct nlattr *nla)
{
	uint64_t v;

	memcpy(&v, payload(nla), 8);
	return v;
}

static int family_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *nla;
	int rem;

	for_each_attr(nla, (const void *)((const char *)NLMSG_DATA(nlh) + GENL_HDRLEN),
		      (int)(nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN)), rem)
		if ((nla->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
			*(uint16_t *)arg = *(const uint16_t *)payload(nla);
	return 0;
}

static int family_id(int fd)
{
	uint16_t id = 0;
	int ret = send_req(fd, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK, CTRL_ATTR_FAMILY_NAME,
			   SABUF_GENL_NAME, sizeof(SABUF_GENL_NAME));

	if (!ret)
		ret = recv_all(fd, family_cb, &id);
	return ret ? ret : id ? id : -ENOENT;
}

/* What the QUEUES_GET dump said, checked as it arrives. */
struct queues_seen {
	uint64_t id;
	uint64_t next;		/* the offset the next queue must have */
	unsigned int count, msgs;
	char bad[128];
};

static int queues_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct queues_seen *q = arg;
	const struct nlattr *nla, *queue, *f;
	int rem, qrem, frem;

	q->msgs++;
	for_each_attr(nla, (const void *)((const char *)NLMSG_DATA(nlh) + GENL_HDRLEN),
		      (int)(nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN)), rem) {
		int type = nla->nla_type & NLA_TYPE_MASK;

		if (type == SABUF_A_ID && get_u64(nla) != q->id)
			snprintf(q->bad, sizeof(q->bad), "id %llu", (unsigned long long)get_u64(nla));
		if (type != SABUF_A_QUEUES)
			continue;
		for_each_attr(queue, payload(nla), nla->nla_len - NLA_HDRLEN, qrem) {
			uint64_t off = UINT64_MAX;
			uint32_t len = 0;

			for_each_attr(f, payload(queue), queue->nla_len - NLA_HDRLEN, frem) {
				if ((f->nla_type & NLA_TYPE_MASK) == SABUF_A_QUEUE_OFFSET)
					off = get_u64(f);
				else if ((f->nla_type & NLA_TYPE_MASK) == SABUF_A_QUEUE_LENGTH)
					memcpy(&len, payload(f), 4);
			}
			if ((off != q->next || len != 1) && !q->bad[0])
				snprintf(q->bad, sizeof(q->bad), "queue %u: offset %llu length %u",
					 q->count, (unsigned long long)off, len);
			q->next = off + 4;
			q->count++;
		}
		if (qrem && !q->bad[0])
			snprintf(q->bad, sizeof(q->bad), "%d stray bytes in a nest", qrem);
	}
	return 0;
}

/* What the WAITERS_GET dump said: one waiter per offset, 0, 4, 8, ... */
static int waiters_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct queues_seen *q = arg;
	const struct nlattr *nla, *waiter, *f;
	int rem, wrem, frem;

	q->msgs++;
	for_each_attr(nla, (const void *)((const char *)NLMSG_DATA(nlh) + GENL_HDRLEN),
		      (int)(nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN)), rem) {
		if ((nla->nla_type & NLA_TYPE_MASK) != SABUF_A_WAITER_LIST)
			continue;
		for_each_attr(waiter, payload(nla), nla->nla_len - NLA_HDRLEN, wrem) {
			uint64_t off = UINT64_MAX;

			for_each_attr(f, payload(waiter), waiter->nla_len - NLA_HDRLEN, frem)
				if ((f->nla_type & NLA_TYPE_MASK) == SABUF_A_WAITER_OFFSET)
					off = get_u64(f);
			if (off != q->next && !q->bad[0])
				snprintf(q->bad, sizeof(q->bad), "waiter %u: offset %llu, not %llu",
					 q->count, (unsigned long long)off,
					 (unsigned long long)q->next);
			q->next = off + 4;
			q->count++;
		}
	}
	return 0;
}

FIXTURE(scale) {
	int unused;
};

FIXTURE_SETUP(scale)
{
}

FIXTURE_TEARDOWN(scale)
{
}

/* Waiters (queue places) the buffer's counters count now. */
static unsigned int counted(const struct sabuf_t_buf *b)
{
	unsigned int sum = 0;

	for (uint32_t s = 0; s < b->info.counters_slots; s++)
		sum += __atomic_load_n(&b->counters[s], __ATOMIC_SEQ_CST);
	return sum;
}

/* Wait (tries x 100 ms at most) until the counters count @n places. */
static bool eventually_counted(const struct sabuf_t_buf *b, unsigned int n, int tries)
{
	for (int i = 0; i < tries; i++) {
		if (counted(b) == n)
			return true;
		sabuf_t_sleep_ms(100);
	}
	return counted(b) == n;
}

/*
 * The QUEUES_GET dump, and `sabuf show --json`, list exactly the offsets
 * 0, 4, .. 4(n - 1) with one waiter each. @may_lack_fork: the waiter
 * threads may have taken all a debug kernel has, leaving no fork for the
 * CLI (then it says so instead of failing).
 */
static void check_listed(struct __test_metadata *_metadata, const struct sabuf_t_buf *b,
			 unsigned int n, bool may_lack_fork)
{
	struct queues_seen seen = { .id = b->info.id };
	char cmd[128], line[256];
	unsigned int shown = 0;
	int nl, family;
	FILE *p;

	nl = nl_open();
	ASSERT_LE(0, nl);
	family = family_id(nl);
	ASSERT_LT(0, family);
	ASSERT_EQ(0, send_req(nl, family, SABUF_CMD_QUEUES_GET, NLM_F_DUMP, SABUF_A_ID,
			      &b->info.id, 8));
	ASSERT_EQ(0, recv_all(nl, queues_cb, &seen));
	EXPECT_STREQ("", seen.bad);
	EXPECT_EQ(n, seen.count);
	TH_LOG("%u queues in %u messages", seen.count, seen.msgs);
	/* the waiters themselves: one per offset, each once */
	seen = (struct queues_seen){ .id = b->info.id };
	ASSERT_EQ(0, send_req(nl, family, SABUF_CMD_WAITERS_GET, NLM_F_DUMP, SABUF_A_ID,
			      &b->info.id, 8));
	ASSERT_EQ(0, recv_all(nl, waiters_cb, &seen));
	close(nl);
	EXPECT_STREQ("", seen.bad);
	EXPECT_EQ(n, seen.count);
	TH_LOG("%u waiters in %u messages", seen.count, seen.msgs);

	snprintf(cmd, sizeof(cmd), "sabuf show %llu --json 2>&1",
		 (unsigned long long)b->info.id);
	p = popen(cmd, "r");
	if (!p && may_lack_fork) {
		TH_LOG("cannot run sabuf show beside %u threads: not checked", n);
		return;
	}
	ASSERT_NE(NULL, p);
	/* each queue is {"offset": N, "waiters": 1} (waiter_list entries have no "waiters") */
	while (fgets(line, sizeof(line), p))
		for (char *at = line; (at = strstr(at, "\"waiters\": 1}")); at++)
			shown++;
	EXPECT_EQ(0, pclose(p));
	EXPECT_EQ(n, shown);
}

static void *waiter_main(void *arg)
{
	struct sabuf_wait *w = arg;
	int *fd = (int *)(w + 1);

	return (void *)(long)ioctl(*fd, SABUF_IOC_WAIT, w);
}

TEST_F_TIMEOUT(scale, queues_dump_lists_ten_thousand_offsets, 600)
{
	/* on a debug kernel, MIN_QUEUES: still past the old overflow */
	const int nr = sabuf_t_scaled(NR_QUEUES) < MIN_QUEUES ? MIN_QUEUES :
								 sabuf_t_scaled(NR_QUEUES);
	struct {
		struct sabuf_wait w;
		int fd;
	} *args = calloc(nr, sizeof(*args));
	pthread_t *threads = calloc(nr, sizeof(*threads));
	struct sabuf_t_buf b;
	pthread_attr_t attr;
	int woken = 0, n;

	ASSERT_TRUE(args && threads);
	SABUF_T_BUF_NEW(&b, 4 * nr);
	ASSERT_EQ(0, pthread_attr_init(&attr));
	ASSERT_EQ(0, pthread_attr_setstacksize(&attr, PTHREAD_STACK_MIN));
	for (n = 0; n < nr; n++) {
		int ret;

		args[n].w = sabuf_t_wait_args(4, 4ull * n, 0, -1);
		args[n].fd = b.fd;
		ret = pthread_create(&threads[n], &attr, waiter_main, &args[n]);
		if (ret == EAGAIN && n >= MIN_QUEUES)
			break;	/* a kernel with big stacks (KASAN) runs out of memory first */
		ASSERT_EQ(0, ret) TH_LOG("thread %d", n);
	}
	if (n < nr)
		TH_LOG("only %d threads could be made: %d waited-on offsets", n, n);
	/* every one asleep: the buffer's waiter count says so */
	ASSERT_TRUE(eventually_counted(&b, n, 600)) TH_LOG("not all %d waiters queued", n);
	check_listed(_metadata, &b, n, n < nr);

	woken = 0;
	for (int i = 0; i < n; i++)
		woken += sabuf_t_notify(b.fd, 4ull * i, 1);
	EXPECT_EQ(n, woken);
	for (int i = 0; i < n; i++) {
		void *ret;

		pthread_join(threads[i], &ret);
		EXPECT_EQ(0l, (long)ret);
	}
	sabuf_t_buf_free(&b);
	free(args);
	free(threads);
}

/*
 * 10^5 waited-on offsets: each thread holds a place in 128 queues with one
 * SABUF_IOC_WAIT_ANY, so 782 threads make 10^5 queues of one waiter each.
 * The QUEUES_GET dump and `sabuf show` list every one, exactly.
 */
#define NR_BIG		100000
#define PER_THREAD	SABUF_WAIT_ANY_MAX

struct any_thread {
	int fd;
	unsigned int first, n;
	long ret;
	struct sabuf_wait_any_item items[PER_THREAD];
};

static void *any_main(void *arg)
{
	struct any_thread *a = arg;
	struct sabuf_wait_any w = {
		.items = (uintptr_t)a->items, .count = a->n, .timeout_ns = -1,
		.clockid = CLOCK_MONOTONIC,
	};

	for (unsigned int i = 0; i < a->n; i++)
		a->items[i] = (struct sabuf_wait_any_item){
			.fd = a->fd, .flags = SABUF_WAIT_SIZE_U32, .offset = 4ull * (a->first + i),
		};
	a->ret = ioctl(a->fd, SABUF_IOC_WAIT_ANY, &w);
	return NULL;
}

TEST_F_TIMEOUT(scale, queues_dump_lists_a_hundred_thousand_offsets, 900)
{
	const unsigned int nr = sabuf_t_scaled(NR_BIG);	/* 10^4 on a debug kernel */
	const unsigned int nthreads = (nr + PER_THREAD - 1) / PER_THREAD;
	struct any_thread *a = calloc(nthreads, sizeof(*a));
	pthread_t *threads = calloc(nthreads, sizeof(*threads));
	struct sabuf_t_buf b;
	pthread_attr_t attr;
	unsigned int made;

	ASSERT_TRUE(a && threads);
	SABUF_T_BUF_NEW(&b, 4ull * nr);
	ASSERT_EQ(0, pthread_attr_init(&attr));
	ASSERT_EQ(0, pthread_attr_setstacksize(&attr, PTHREAD_STACK_MIN + 8192));
	for (made = 0; made < nthreads; made++) {
		a[made].fd = b.fd;
		a[made].first = made * PER_THREAD;
		a[made].n = nr - a[made].first < PER_THREAD ? nr - a[made].first
								  : PER_THREAD;
		ASSERT_EQ(0, pthread_create(&threads[made], &attr, any_main, &a[made]))
			TH_LOG("thread %u", made);
	}
	/* every place taken: the buffer's waiter count (one per entry) says so */
	ASSERT_TRUE(eventually_counted(&b, nr, 1200));
	check_listed(_metadata, &b, nr, false);
	/* one notify per thread (its first word) wakes it; it leaves the rest */
	for (unsigned int t = 0; t < made; t++)
		EXPECT_EQ(1, sabuf_t_notify(b.fd, 4ull * a[t].first, 1));
	for (unsigned int t = 0; t < made; t++) {
		pthread_join(threads[t], NULL);
		EXPECT_EQ(0l, a[t].ret);
	}
	EXPECT_EQ(0u, counted(&b));
	sabuf_t_buf_free(&b);
	free(a);
	free(threads);
}

/* What the GET dump said: ids ascending, each once. */
struct ids_seen {
	uint64_t last;
	unsigned int count, msgs;
	const uint64_t *mine;	/* sorted */
	unsigned int nr_mine, found;
	char bad[128];
};

static int ids_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct ids_seen *s = arg;
	const struct nlattr *nla;
	int rem;

	s->msgs++;
	for_each_attr(nla, (const void *)((const char *)NLMSG_DATA(nlh) + GENL_HDRLEN),
		      (int)(nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN)), rem) {
		uint64_t id;

		if ((nla->nla_type & NLA_TYPE_MASK) != SABUF_A_ID)
			continue;
		id = get_u64(nla);
		if (s->count && id <= s->last && !s->bad[0])
			snprintf(s->bad, sizeof(s->bad), "id %llu after %llu",
				 (unsigned long long)id, (unsigned long long)s->last);
		s->last = id;
		s->count++;
		if (s->found < s->nr_mine && s->mine[s->found] == id)
			s->found++;
	}
	return 0;
}

TEST_F_TIMEOUT(scale, dump_lists_a_hundred_thousand_buffers, 900)
{
	const int nr = sabuf_t_scaled(NR_BUFFERS);	/* 10^4 on a debug kernel */
	struct rlimit rl = { nr + 256, nr + 256 };
	uint64_t *ids = calloc(nr, sizeof(*ids));
	int *fds = calloc(nr, sizeof(*fds));
	struct ids_seen seen = { 0 };
	int nl, family;

	ASSERT_TRUE(ids && fds);
	if (setrlimit(RLIMIT_NOFILE, &rl))
		SKIP(return, "cannot raise RLIMIT_NOFILE to %d", nr + 256);
	for (int i = 0; i < nr; i++) {
		struct sabuf_info info;

		fds[i] = sabuf_t_open();
		ASSERT_LE(0, fds[i]) TH_LOG("buffer %d", i);
		ASSERT_EQ(0, sabuf_t_create(fds[i], 8)) TH_LOG("buffer %d", i);
		ASSERT_EQ(0, sabuf_t_info(fds[i], &info));
		ids[i] = info.id;	/* ascending: ids only grow */
		if (i % 20000 == 19999)
			TH_LOG("%d buffers", i + 1);
	}
	nl = nl_open();
	ASSERT_LE(0, nl);
	family = family_id(nl);
	ASSERT_LT(0, family);
	seen.mine = ids;
	seen.nr_mine = nr;
	ASSERT_EQ(0, send_req(nl, family, SABUF_CMD_GET, NLM_F_DUMP, 0, NULL, 0));
	ASSERT_EQ(0, recv_all(nl, ids_cb, &seen));
	EXPECT_STREQ("", seen.bad);
	EXPECT_EQ((unsigned int)nr, seen.found) TH_LOG("%u of ours in %u listed, %u messages",
							      seen.found, seen.count, seen.msgs);
	close(nl);
	for (int i = 0; i < nr; i++)
		close(fds[i]);
	free(ids);
	free(fds);
}

/*
 * 10^4 processes holding one buffer: CLONE_VM children (sabuf_t_clone_sleeper:
 * each its own copy of the fd table, so 1 fd, and the shared mm's 2
 * mappings), asleep in read(2) until killed.
 */
#define NR_HOLDERS	10000

struct holders_seen {
	uint32_t last;
	unsigned int count, msgs, exact;	/* exact: fds 1 and mappings 2 */
	char bad[128];
};

static int holders_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct holders_seen *s = arg;
	const struct nlattr *nla, *h, *f;
	int rem, hrem, frem;

	s->msgs++;
	for_each_attr(nla, (const void *)((const char *)NLMSG_DATA(nlh) + GENL_HDRLEN),
		      (int)(nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN)), rem) {
		if ((nla->nla_type & NLA_TYPE_MASK) != SABUF_A_HOLDERS)
			continue;
		for_each_attr(h, payload(nla), nla->nla_len - NLA_HDRLEN, hrem) {
			uint32_t pid = 0, fds = 0, maps = 0, v;

			for_each_attr(f, payload(h), h->nla_len - NLA_HDRLEN, frem) {
				int type = f->nla_type & NLA_TYPE_MASK;

				if (type == SABUF_A_HOLDER_COMM)
					continue;
				memcpy(&v, payload(f), 4);
				if (type == SABUF_A_HOLDER_PID)
					pid = v;
				else if (type == SABUF_A_HOLDER_FDS)
					fds = v;
				else if (type == SABUF_A_HOLDER_MAPPINGS)
					maps = v;
			}
			if (s->count && pid <= s->last && !s->bad[0])
				snprintf(s->bad, sizeof(s->bad), "pid %u after %u", pid, s->last);
			s->last = pid;
			s->count++;
			s->exact += fds == 1 && maps == 2;
		}
	}
	return 0;
}

TEST_F_TIMEOUT(scale, holders_dump_lists_ten_thousand_processes, 900)
{
	const int nr = sabuf_t_scaled(NR_HOLDERS);	/* 10^3 on a debug kernel */
	char *stacks = malloc((size_t)nr * SABUF_T_SLEEPER_STACK);
	pid_t *pids = calloc(nr, sizeof(*pids));
	struct holders_seen seen = { 0 };
	struct sabuf_t_buf b;
	int made, nl, family, block[2];

	ASSERT_TRUE(stacks && pids);
	ASSERT_EQ(0, pipe(block));
	SABUF_T_BUF_NEW(&b, 4096);
	for (made = 0; made < nr; made++) {
		pids[made] = sabuf_t_clone_sleeper(stacks + (size_t)made * SABUF_T_SLEEPER_STACK,
						   &block[0]);
		ASSERT_LT(0, pids[made]) TH_LOG("process %d: %s", made, strerror(-pids[made]));
		if (made % 2500 == 2499)
			TH_LOG("%d processes", made + 1);
	}
	nl = nl_open();
	ASSERT_LE(0, nl);
	family = family_id(nl);
	ASSERT_LT(0, family);
	ASSERT_EQ(0, send_req(nl, family, SABUF_CMD_HOLDERS_GET, NLM_F_DUMP, SABUF_A_ID,
			      &b.info.id, 8));
	ASSERT_EQ(0, recv_all(nl, holders_cb, &seen));
	close(nl);
	EXPECT_STREQ("", seen.bad);
	/* the children, and this process */
	EXPECT_EQ((unsigned int)nr + 1, seen.count);
	EXPECT_EQ((unsigned int)nr + 1, seen.exact);
	EXPECT_LT(1u, seen.msgs);	/* resumed by pid at least once */
	TH_LOG("%u holders in %u messages", seen.count, seen.msgs);
	for (int i = 0; i < made; i++)
		kill(pids[i], SIGKILL);
	for (int i = 0; i < made; i++)
		waitpid(pids[i], NULL, 0);
	sabuf_t_buf_free(&b);
	free(stacks);
	free(pids);
}

TEST_HARNESS_MAIN
