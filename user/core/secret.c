// SPDX-License-Identifier: MIT
/*
 * Slab pool for secrets. Every slab is one page that serves one size class
 * (a multiple of 16 bytes up to 1 KiB, so a 400-byte peer secret costs ~410
 * bytes of locked memory, not the 585 a power-of-two class would): a header
 * at the start of the page, then equal slots. Free slots form a
 * list threaded through the slots themselves (they are wiped first, so the
 * link is the only non-zero data in a free slot). A page whose slots are all
 * free is released, except one spare per class, so churn does not map and
 * lock pages over and over but the pool never holds more than it needs.
 */
#include "core/secret.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/caps.h"
#include "lib/log.h"

#define SLOT_ALIGN 16u
#define NR_CLASSES 64				/* 16, 32, .. 1024 */
#define MAX_SLOT (SLOT_ALIGN * NR_CLASSES)
#define SLAB_MAGIC 0x7767787365637265ULL	/* "wgxsecre" */

struct free_slot {
	struct free_slot *next;
};

struct slab {
	uint64_t magic;
	struct slab *prev, *next;	/* on its class's list of slabs with free slots */
	struct free_slot *free;
	unsigned int class, used, nslots;
	bool locked;
};

/* Slots start after the header, at a 16-byte boundary (the alloc's alignment promise). */
#define HDR_SIZE ((sizeof(struct slab) + 15) & ~(size_t)15)

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct slab *partial[NR_CLASSES];	/* slabs with at least one free slot */
static struct slab *spare[NR_CLASSES];	/* at most one fully free slab kept per class */
static struct wgx_secret_stats stats;
static size_t page_size;
static bool warned;

static unsigned int size_class(size_t len)
{
	return len ? (unsigned int)((len - 1) / SLOT_ALIGN) : 0;
}

static size_t slot_size(unsigned int class)
{
	return (size_t)(class + 1) * SLOT_ALIGN;
}

/* Map len bytes (a page multiple), lock them and keep them out of core dumps. */
static void *pages_get(size_t len, bool *locked)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, MADV_DONTDUMP);
	*locked = mlock(p, len) == 0;
	if (!*locked && !warned) {
		int err = errno;

		pr_warn("cannot lock memory for keys: %s%s: continuing with unlocked memory, "
			"keys may reach swap", strerror(err), wgx_cap_hint(err, WGX_CAP(CAP_IPC_LOCK)));
		warned = true;
	}
	stats.pages += len / page_size;
	stats.locked_pages += *locked ? len / page_size : 0;
	return p;
}

/* The caller has wiped the content; munmap also drops the lock. */
static void pages_put(void *p, size_t len, bool locked)
{
	stats.pages -= len / page_size;
	stats.locked_pages -= locked ? len / page_size : 0;
	munmap(p, len);
}

static void list_del(struct slab **head, struct slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		*head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
}

static void list_add(struct slab **head, struct slab *s)
{
	s->prev = NULL;
	s->next = *head;
	if (*head)
		(*head)->prev = s;
	*head = s;
}

static struct slab *slab_new(unsigned int class)
{
	size_t size = slot_size(class);
	bool locked;
	struct slab *s = pages_get(page_size, &locked);
	uint8_t *slot;

	if (!s)
		return NULL;
	/* mmap gives zeroed memory: only the header and the free-list links to write. */
	*s = (struct slab){ .magic = SLAB_MAGIC, .class = class, .locked = locked };
	s->nslots = (unsigned int)((page_size - HDR_SIZE) / size);
	for (unsigned int i = s->nslots; i-- > 0;) {
		slot = (uint8_t *)s + HDR_SIZE + i * size;
		((struct free_slot *)slot)->next = s->free;
		s->free = (struct free_slot *)slot;
	}
	return s;
}

static void *slab_alloc(unsigned int class)
{
	struct slab *s = partial[class];
	struct free_slot *slot;

	if (!s) {
		s = spare[class];
		spare[class] = NULL;
		if (!s)
			s = slab_new(class);
		if (!s)
			return NULL;
		list_add(&partial[class], s);
	}
	slot = s->free;
	s->free = slot->next;
	slot->next = NULL;	/* the rest of a free slot is already zero */
	if (++s->used == s->nslots)
		list_del(&partial[class], s);
	return slot;
}

static void slab_free(void *p, unsigned int class)
{
	struct slab *s = (struct slab *)((uintptr_t)p & ~(uintptr_t)(page_size - 1));
	struct free_slot *slot = p;
	bool locked;

	assert(s->magic == SLAB_MAGIC && s->class == class && s->used > 0);
	sodium_memzero(p, slot_size(class));
	if (s->used-- == s->nslots)
		list_add(&partial[class], s);
	slot->next = s->free;
	s->free = slot;
	if (s->used)
		return;
	/* Empty: keep it as this class's spare, or give it back. */
	list_del(&partial[class], s);
	if (!spare[class]) {
		spare[class] = s;
		return;
	}
	locked = s->locked;
	sodium_memzero(s, page_size);
	pages_put(s, page_size, locked);
}

/*
 * Large blocks get whole pages, with a small header page-aligned before the
 * data so free knows whether the block was locked.
 */
struct big_hdr {
	uint64_t magic;
	bool locked;
};

#define BIG_MAGIC 0x7767786269677365ULL	/* "wgxbigse" */
#define BIG_HDR 16

static size_t big_len(size_t len)
{
	return (len + BIG_HDR + page_size - 1) & ~(page_size - 1);
}

static void *big_alloc(size_t len)
{
	bool locked;
	struct big_hdr *h = pages_get(big_len(len), &locked);

	if (!h)
		return NULL;
	*h = (struct big_hdr){ .magic = BIG_MAGIC, .locked = locked };
	return (uint8_t *)h + BIG_HDR;
}

static void big_free(void *p, size_t len)
{
	struct big_hdr *h = (struct big_hdr *)((uint8_t *)p - BIG_HDR);
	bool locked = h->locked;

	assert(h->magic == BIG_MAGIC);
	sodium_memzero(h, big_len(len));
	pages_put(h, big_len(len), locked);
}

void *wgx_secret_alloc(size_t len)
{
	void *p;

	pthread_mutex_lock(&pool_lock);
	if (!page_size)
		page_size = (size_t)sysconf(_SC_PAGESIZE);
	p = len <= MAX_SLOT ? slab_alloc(size_class(len)) : big_alloc(len);
	if (p)
		stats.allocations++;
	pthread_mutex_unlock(&pool_lock);
	return p;
}

void wgx_secret_free(void *p, size_t len)
{
	if (!p)
		return;
	pthread_mutex_lock(&pool_lock);
	if (len <= MAX_SLOT)
		slab_free(p, size_class(len));
	else
		big_free(p, len);
	stats.allocations--;
	pthread_mutex_unlock(&pool_lock);
}

void wgx_secret_stats(struct wgx_secret_stats *st)
{
	pthread_mutex_lock(&pool_lock);
	*st = stats;
	pthread_mutex_unlock(&pool_lock);
}

/* The vector registers keep the last hash or cipher block crypto code
 * computed in them (a BLAKE2s output: a session key), and a core dump saves
 * them in its notes. Clear them all: xmm/ymm 0-15, and zmm 16-31 where the
 * CPU has them (vzeroall leaves those; OpenSSL uses them). */
static void clear_vector_registers(void)
{
#if defined(__x86_64__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx"))
		__asm__ __volatile__("vzeroall" ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
				     "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
				     "xmm13", "xmm14", "xmm15", "memory");
	else
		__asm__ __volatile__("pxor %%xmm0, %%xmm0\n\tpxor %%xmm1, %%xmm1\n\t"
				     "pxor %%xmm2, %%xmm2\n\tpxor %%xmm3, %%xmm3\n\t"
				     "pxor %%xmm4, %%xmm4\n\tpxor %%xmm5, %%xmm5\n\t"
				     "pxor %%xmm6, %%xmm6\n\tpxor %%xmm7, %%xmm7\n\t"
				     "pxor %%xmm8, %%xmm8\n\tpxor %%xmm9, %%xmm9\n\t"
				     "pxor %%xmm10, %%xmm10\n\tpxor %%xmm11, %%xmm11\n\t"
				     "pxor %%xmm12, %%xmm12\n\tpxor %%xmm13, %%xmm13\n\t"
				     "pxor %%xmm14, %%xmm14\n\tpxor %%xmm15, %%xmm15" ::: "xmm0",
				     "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
				     "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15",
				     "memory");
	/* Not clobbered for the compiler: it uses 16-31 only with -mavx512f. */
	if (__builtin_cpu_supports("avx512f"))
		__asm__ __volatile__("vpxord %%zmm16, %%zmm16, %%zmm16\n\t"
				     "vpxord %%zmm17, %%zmm17, %%zmm17\n\t"
				     "vpxord %%zmm18, %%zmm18, %%zmm18\n\t"
				     "vpxord %%zmm19, %%zmm19, %%zmm19\n\t"
				     "vpxord %%zmm20, %%zmm20, %%zmm20\n\t"
				     "vpxord %%zmm21, %%zmm21, %%zmm21\n\t"
				     "vpxord %%zmm22, %%zmm22, %%zmm22\n\t"
				     "vpxord %%zmm23, %%zmm23, %%zmm23\n\t"
				     "vpxord %%zmm24, %%zmm24, %%zmm24\n\t"
				     "vpxord %%zmm25, %%zmm25, %%zmm25\n\t"
				     "vpxord %%zmm26, %%zmm26, %%zmm26\n\t"
				     "vpxord %%zmm27, %%zmm27, %%zmm27\n\t"
				     "vpxord %%zmm28, %%zmm28, %%zmm28\n\t"
				     "vpxord %%zmm29, %%zmm29, %%zmm29\n\t"
				     "vpxord %%zmm30, %%zmm30, %%zmm30\n\t"
				     "vpxord %%zmm31, %%zmm31, %%zmm31" ::: "memory");
#endif
}

__attribute__((noinline)) void wgx_secret_burn_stack(void)
{
	uint8_t scratch[WGX_SECRET_BURN_BYTES];

	sodium_memzero(scratch, sizeof(scratch));
	/* Keep the array (and the wipe) even though nothing reads it. */
	__asm__ __volatile__("" : : "r"(scratch) : "memory");
	clear_vector_registers();
}
