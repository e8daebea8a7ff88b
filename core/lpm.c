/* core/lpm.c: the longest-prefix-match index. A multibit trie with 8-bit
 * strides, popcount-compressed nodes (ART-style prefix bitmaps), single-prefix
 * subtrees kept as leaves, and a direct index on the first 16 bits; big IPv4
 * tables add a front array on the first 18 bits with small records for the
 * /18s whose /24s differ, so that nearly all random addresses are answered
 * in one or two loads. */
#include "lpm.h"

#include <errno.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

/* A node at depth d holds the prefixes whose length is in (8d, 8d+8] (the
 * root also holds /0) as a heap-ordered bitmap: relative length l in 1..8
 * and the top l bits b of the octet give index (1 << l) | b, /0 is index 1.
 * Children hang off octet d+1 of the key. Both arrays are rank-compressed
 * and stored right after the header (children, then values), so a node is
 * one allocation; an edit that does not fit in it builds a complete new node
 * before it replaces the old one, so that running out of memory leaves the
 * index as it was. */
struct lpm_node {
	uint64_t kid[4]; /* octet o has a child entry */
	uint64_t pfx[8]; /* prefix index i is present */
	/* prefixes in the pfx words before w, counted from word 0 for w < 4
	 * and from word 4 for w > 4; prank[4] holds those in words 0-3 (at
	 * most 255, index 0 being unused), so that the header is 112 bytes */
	uint8_t prank[8];
	uint8_t krank[4]; /* children in kid words before w (at most 192) */
	uint16_t npfx;
	uint16_t nkid;
	/* uint32_t vals[vals_cap(npfx)]; uintptr_t kids[kids_cap(nkid)]; */
};

/* A subtree holding one prefix is stored as a leaf, tagged in the low bit of
 * the child entry: without it a sparse IPv6 table spends a node per prefix. */
_Static_assert(sizeof(struct lpm_node) == 112, "node header grew");

struct lpm_leaf {
	uint32_t value;
	uint8_t len;
	uint8_t key[];
};

_Static_assert(LPM_FRONT_REC_DIRECT == (LPM_FRONT_REC | 3) && (LPM_FRONT_REC & 3) == 0 &&
		   LPM_FRONT_REC > 32 && (LPM_FRONT_DEEP & 60) != LPM_FRONT_REC &&
		   LPM_FRONT_DEEP == 63,
	       "front codes: lengths below them, one test for all records");

struct lpm {
	/* first, as lpm.h's inline lookup reads it: the direct index on the
	 * first 16 bits and the IPv4 front array (see struct lpm_fast) */
	struct lpm_fast f;
	struct rtw_mem *mem;
	unsigned bits;
	size_t count;
	size_t bytes;	 /* the shared rtw_mem counts every lpm of the context */
	uintptr_t root;	 /* always a node */
	size_t top_min;	 /* build the direct index from this many prefixes on (0: never) */
	void *front_mem; /* the allocation front sits in, aligned within it */
	/* records of the blocks with a few different answers per /24: their
	 * chunks are f.rec_dir, the allocations they are aligned in rec_raw.
	 * A chunk holds records of one class (see rec_class()). */
	void **rec_raw;
	unsigned rec_nchunk;
	uint32_t rec_free[4]; /* first free record of each class + 1, 0: none */
	/* the front allocation around the aligned array, where the first
	 * chunks of records go at no extra cost */
	char *spare[2];
	size_t spare_len[2];
};

/* Chunks are aligned to a cache line, and records to their size within
 * them, so that no record crosses a line but a direct one. */
#define REC_UNIT_SIZE  (LPM_REC_UNIT * sizeof(uint32_t))
#define REC_CHUNK_SIZE (LPM_REC_CHUNK * REC_UNIT_SIZE + 64)
#define REC_SUBS       (1u << (24 - LPM_FRONT_BITS)) /* the /24s of a block */
#define SLOT_BLOCKS    (256 / REC_SUBS)		     /* the blocks under a top slot */
#define REC_DIRECT     3u			     /* the class of a direct record */
_Static_assert(REC_UNIT_SIZE == 16 && REC_SUBS == 64 && LPM_REC_ANS == 2 * 4 &&
		   LPM_REC_CHUNK % (REC_SUBS / LPM_REC_UNIT) == 0,
	       "record layout: 64 /24s, maps of up to 4 bits a /24 in a line, 16-byte units");

/* Entry of the front array: value << 6 | len when one answer holds for the
 * whole /18 block. Blocks whose /24s have up to LPM_REC_ANS answers say
 * FRONT_REC | class and the number of their mapped record, more
 * FRONT_REC_DIRECT and the number of their direct record. Values too big
 * to pack, and /24s holding a prefix longer than /24, have the answer
 * FRONT_DEEP: the lookup goes on through the direct index; so does a block
 * for which no record could be had. Values stay below 2^25, so that bit 31
 * set means no prefix at all (FRONT_NONE) or FRONT_DEEP, whose value bits
 * are all set too: a lookup tells both from an answer with one test. */
#define FRONT_BITS	 LPM_FRONT_BITS
#define FRONT_REC	 LPM_FRONT_REC /* value bits: number of the block's record */
#define FRONT_REC_DIRECT LPM_FRONT_REC_DIRECT
#define FRONT_DEEP	 (0xffffffc0u | LPM_FRONT_DEEP)
#define FRONT_NONE	 0xffffffc0u
#define FRONT_VMAX	 ((UINT32_C(1) << 25) - 1)
#define FRONT_N		 (UINT32_C(1) << FRONT_BITS)
#define FRONT_SIZE	 (FRONT_N * sizeof(uint32_t))
#define FRONT_HUGE	 ((size_t)2 << 20)
/* the whole huge pages the array sits in, advised so */
#define FRONT_RECS_SIZE (FRONT_N / 8) /* lpm_fast.front_recs, right after the array */
#define FRONT_SPAN	(FRONT_SIZE > FRONT_HUGE ? FRONT_SIZE : FRONT_HUGE)
#define FRONT_ALLOC	(FRONT_SPAN + FRONT_HUGE)

#define TOP_SIZE(t) ((t)->f.top_n * sizeof(struct lpm_top_slot))

/* One prefix being moved around while a subtree is built. */
struct entry {
	const uint8_t *key;
	unsigned len;
	uint32_t value;
};

enum edit { PFX_ADD, PFX_DEL, KID_ADD, KID_DEL };

static inline unsigned pop64(uint64_t x)
{
#if defined(__POPCNT__) || defined(__aarch64__) || defined(__ARM_NEON)
	return (unsigned)__builtin_popcountll(x);
#else
	/* without the popcnt instruction the builtin becomes a libgcc call */
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (unsigned)((x * 0x0101010101010101ull) >> 56);
#endif
}

/* x86-64 before v2 has no popcnt instruction, and the lookup counts bits at
 * every level: where ifuncs exist, build it twice and let the loader pick.
 * Not with clang: clang 14 does not emit the plain symbol of a target_clones
 * function, so callers in other files (table.c) fail to link. */
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__POPCNT__) &&      \
    !defined(__SANITIZE_ADDRESS__) && !defined(__clang__)
#define LPM_LOOKUP_CLONES __attribute__((target_clones("popcnt", "default")))
#else
#define LPM_LOOKUP_CLONES
#endif

static inline int bit_test(const uint64_t *map, unsigned i)
{
	return (int)((map[i >> 6] >> (i & 63)) & 1);
}

/* Arrays are sized in steps, so that most edits fit in the node as it is:
 * no allocation, no copy of the whole node, and it keeps its address. Steps
 * of two below 8 entries, of 8 from there: an edit of a big node (the /16s
 * holding most /24s) moves it once in 8 times instead of every other time,
 * which took ~60 ns off an edit, for 0.2 bytes a route. The size still
 * follows from the count alone. */
static inline unsigned cap_of(unsigned n)
{
	return n < 8 ? (n + 1) & ~1u : (n + 7) & ~7u;
}

static inline unsigned vals_cap(unsigned npfx)
{
	return cap_of(npfx);
}

static inline unsigned kids_cap(unsigned nkid)
{
	return cap_of(nkid);
}

/* Children first, right after the header: where a child is does not
 * depend on the prefix count, so a walk fetches the lines of the first
 * children with the header's (node_prefetch()) instead of after it. */
static inline uintptr_t *node_kids(const struct lpm_node *n)
{
	return (uintptr_t *)(n + 1);
}

static inline uint32_t *node_vals(const struct lpm_node *n)
{
	return (uint32_t *)((char *)(n + 1) + kids_cap(n->nkid) * sizeof(uintptr_t));
}

/* The header's second line and the next: the first ten children. */
static inline void node_prefetch(const struct lpm_node *n)
{
	RTW_PREFETCH((const char *)n + 64);
	RTW_PREFETCH((const char *)n + 128);
}

static inline size_t node_size(unsigned npfx, unsigned nkid)
{
	return sizeof(struct lpm_node) + vals_cap(npfx) * sizeof(uint32_t) +
	       kids_cap(nkid) * sizeof(uintptr_t);
}

static inline unsigned kid_rank(const struct lpm_node *n, unsigned o)
{
	return n->krank[o >> 6] + pop64(n->kid[o >> 6] & ((UINT64_C(1) << (o & 63)) - 1));
}

static inline unsigned pfx_rank(const struct lpm_node *n, unsigned i)
{
	unsigned w = i >> 6;

	return n->prank[w] + (w > 4 ? n->prank[4] : 0) +
	       pop64(n->pfx[w] & ((UINT64_C(1) << (i & 63)) - 1));
}

/* The longest prefix of node n that contains octet o, as an index, or 0.
 * Indexes 256+o, 128+o/2 and 64+o/4 have one bit each; the shorter ones all
 * sit in word 0. */
static inline unsigned node_best(const struct lpm_node *n, unsigned o)
{
	uint64_t m;

	if ((n->pfx[4 + (o >> 6)] >> (o & 63)) & 1)
		return 256 + o;
	if ((n->pfx[2 + (o >> 7)] >> ((o >> 1) & 63)) & 1)
		return 128 + (o >> 1);
	if ((n->pfx[1] >> (o >> 2)) & 1)
		return 64 + (o >> 2);
	m = (UINT64_C(1) << 1) | (UINT64_C(1) << (2 + (o >> 7))) | (UINT64_C(1) << (4 + (o >> 6))) |
	    (UINT64_C(1) << (8 + (o >> 5))) | (UINT64_C(1) << (16 + (o >> 4))) |
	    (UINT64_C(1) << (32 + (o >> 3)));
	m &= n->pfx[0];
	return m ? 63 - (unsigned)__builtin_clzll(m) : 0;
}

static inline int is_leaf(uintptr_t c)
{
	return (int)(c & 1);
}

static inline struct lpm_leaf *as_leaf(uintptr_t c)
{
	return (struct lpm_leaf *)(c & ~(uintptr_t)1);
}

static inline struct lpm_node *as_node(uintptr_t c)
{
	return (struct lpm_node *)c;
}

/* Depth of the node that holds a prefix of length len, and its index there. */
static inline unsigned pfx_depth(unsigned len)
{
	return len ? (len - 1) / 8 : 0;
}

static inline unsigned pfx_index(const uint8_t *key, unsigned len)
{
	unsigned l;

	if (len == 0)
		return 1;
	l = len - 8 * pfx_depth(len);
	return (1u << l) | ((unsigned)key[pfx_depth(len)] >> (8 - l));
}

static void *lpm_alloc(struct lpm *t, size_t size)
{
	void *p = mem_alloc(t->mem, size);

	if (p)
		t->bytes += size;
	return p;
}

static void lpm_release(struct lpm *t, void *p, size_t size)
{
	if (!p)
		return;
	t->bytes -= size;
	mem_free(t->mem, p, size);
}

static size_t leaf_size(const struct lpm *t)
{
	return sizeof(struct lpm_leaf) + t->bits / 8;
}

static struct lpm_leaf *leaf_new(struct lpm *t, const struct entry *e)
{
	struct lpm_leaf *lf = lpm_alloc(t, leaf_size(t));

	if (!lf)
		return NULL;
	lf->value = e->value;
	lf->len = (uint8_t)e->len;
	memcpy(lf->key, e->key, t->bits / 8);
	return lf;
}

static void node_free(struct lpm *t, struct lpm_node *n)
{
	lpm_release(t, n, node_size(n->npfx, n->nkid));
}

static void subtree_free(struct lpm *t, uintptr_t c)
{
	struct lpm_node *n;
	unsigned i;

	if (!c)
		return;
	if (is_leaf(c)) {
		lpm_release(t, as_leaf(c), leaf_size(t));
		return;
	}
	n = as_node(c);
	for (i = 0; i < n->nkid; i++)
		subtree_free(t, node_kids(n)[i]);
	node_free(t, n);
}

/* The counts after one bit of the maps changed (op at pos, the bit already
 * flipped): only the words after pos's move by one, and recounting all
 * twelve took a few percent of an edit without a popcount instruction. */
static void node_recount(struct lpm_node *n, enum edit op, unsigned pos)
{
	unsigned w0 = pos >> 6, w;

	if (op == PFX_ADD || op == PFX_DEL) {
		uint8_t d = op == PFX_ADD ? 1 : (uint8_t)-1;

		/* prank counts from word 0 up to word 4, from word 4 after */
		for (w = w0 + 1; w < (w0 < 4 ? 5u : 8u); w++)
			n->prank[w] = (uint8_t)(n->prank[w] + d);
		n->npfx = (uint16_t)(n->npfx + (op == PFX_ADD ? 1 : -1));
	} else {
		uint8_t d = op == KID_ADD ? 1 : (uint8_t)-1;

		for (w = w0 + 1; w < 4; w++)
			n->krank[w] = (uint8_t)(n->krank[w] + d);
		n->nkid = (uint16_t)(n->nkid + (op == KID_ADD ? 1 : -1));
	}
}

/* A new node equal to n (NULL: empty) with one prefix or child added or
 * removed; n itself is left alone so that a failure changes nothing. */
static struct lpm_node *node_edit(struct lpm *t, const struct lpm_node *n, enum edit op,
				  unsigned pos, uintptr_t item)
{
	static const struct lpm_node empty;
	const uintptr_t *okids;
	const uint32_t *ovals;
	struct lpm_node *m;
	unsigned r, np, nk;

	if (!n)
		n = &empty;
	np = n->npfx;
	nk = n->nkid;
	r = (op == PFX_ADD || op == PFX_DEL) ? pfx_rank(n, pos) : kid_rank(n, pos);
	switch (op) {
	case PFX_ADD:
		np++;
		break;
	case PFX_DEL:
		np--;
		break;
	case KID_ADD:
		nk++;
		break;
	case KID_DEL:
		nk--;
		break;
	}
	m = lpm_alloc(t, node_size(np, nk));
	if (!m)
		return NULL;
	memcpy(m, n, sizeof(*m));
	okids = node_kids(n);
	ovals = node_vals(n);
	switch (op) {
	case PFX_ADD:
		m->pfx[pos >> 6] |= UINT64_C(1) << (pos & 63);
		break;
	case PFX_DEL:
		m->pfx[pos >> 6] &= ~(UINT64_C(1) << (pos & 63));
		break;
	case KID_ADD:
		m->kid[pos >> 6] |= UINT64_C(1) << (pos & 63);
		break;
	case KID_DEL:
		m->kid[pos >> 6] &= ~(UINT64_C(1) << (pos & 63));
		break;
	}
	node_recount(m, op, pos);
	if (op == KID_ADD) {
		memcpy(node_kids(m), okids, r * sizeof(uintptr_t));
		node_kids(m)[r] = item;
		memcpy(node_kids(m) + r + 1, okids + r, (n->nkid - r) * sizeof(uintptr_t));
	} else if (op == KID_DEL) {
		memcpy(node_kids(m), okids, r * sizeof(uintptr_t));
		memcpy(node_kids(m) + r, okids + r + 1, (n->nkid - r - 1) * sizeof(uintptr_t));
	} else {
		memcpy(node_kids(m), okids, n->nkid * sizeof(uintptr_t));
	}
	if (op == PFX_ADD) {
		memcpy(node_vals(m), ovals, r * sizeof(uint32_t));
		node_vals(m)[r] = (uint32_t)item;
		memcpy(node_vals(m) + r + 1, ovals + r, (n->npfx - r) * sizeof(uint32_t));
	} else if (op == PFX_DEL) {
		memcpy(node_vals(m), ovals, r * sizeof(uint32_t));
		memcpy(node_vals(m) + r, ovals + r + 1, (n->npfx - r - 1) * sizeof(uint32_t));
	} else {
		memcpy(node_vals(m), ovals, n->npfx * sizeof(uint32_t));
	}
	return m;
}

/* node_edit within n itself when the arrays keep their size; returns 0
 * when they would not, and then nothing changed. */
static int node_edit_in_place(struct lpm_node *n, enum edit op, unsigned pos, uintptr_t item)
{
	unsigned np = n->npfx, nk = n->nkid, r;
	uint32_t *vals = node_vals(n);
	uintptr_t *kids = node_kids(n);

	switch (op) {
	case PFX_ADD:
		if (vals_cap(np + 1) != vals_cap(np))
			return 0;
		r = pfx_rank(n, pos);
		memmove(vals + r + 1, vals + r, (np - r) * sizeof(uint32_t));
		vals[r] = (uint32_t)item;
		n->pfx[pos >> 6] |= UINT64_C(1) << (pos & 63);
		break;
	case PFX_DEL:
		if (vals_cap(np - 1) != vals_cap(np))
			return 0;
		r = pfx_rank(n, pos);
		memmove(vals + r, vals + r + 1, (np - r - 1) * sizeof(uint32_t));
		n->pfx[pos >> 6] &= ~(UINT64_C(1) << (pos & 63));
		break;
	case KID_ADD:
		if (kids_cap(nk + 1) != kids_cap(nk))
			return 0;
		r = kid_rank(n, pos);
		memmove(kids + r + 1, kids + r, (nk - r) * sizeof(uintptr_t));
		kids[r] = item;
		n->kid[pos >> 6] |= UINT64_C(1) << (pos & 63);
		break;
	case KID_DEL:
		if (kids_cap(nk - 1) != kids_cap(nk))
			return 0;
		r = kid_rank(n, pos);
		memmove(kids + r, kids + r + 1, (nk - r - 1) * sizeof(uintptr_t));
		n->kid[pos >> 6] &= ~(UINT64_C(1) << (pos & 63));
		break;
	}
	node_recount(n, op, pos);
	return 1;
}

/* node_edit on the node in *link (0: none): in place when it fits, else a
 * new node replaces it. */
static int node_apply(struct lpm *t, uintptr_t *link, enum edit op, unsigned pos, uintptr_t item)
{
	struct lpm_node *m;

	if (*link && node_edit_in_place(as_node(*link), op, pos, item))
		return 0;
	m = node_edit(t, as_node(*link), op, pos, item);

	if (!m)
		return -ENOMEM;
	if (*link)
		node_free(t, as_node(*link));
	*link = (uintptr_t)m;
	return 0;
}

/* A new subtree at depth d holding the two distinct prefixes a and b, both
 * longer than 8d. The caller still owns whatever a and b came from. */
static int subtree_pair(struct lpm *t, unsigned d, const struct entry *a, const struct entry *b,
			uintptr_t *ret)
{
	const struct entry *e[2] = { a, b };
	uintptr_t n = 0, c;
	unsigned i;
	int r;

	for (i = 0; i < 2; i++) {
		if (e[i]->len > 8 * d + 8)
			continue;
		r = node_apply(t, &n, PFX_ADD, pfx_index(e[i]->key, e[i]->len), e[i]->value);
		if (r < 0)
			goto fail;
	}
	if (a->len > 8 * d + 8 && b->len > 8 * d + 8 && a->key[d] == b->key[d]) {
		r = subtree_pair(t, d + 1, a, b, &c);
		if (r < 0)
			goto fail;
		r = node_apply(t, &n, KID_ADD, a->key[d], c);
		if (r < 0) {
			subtree_free(t, c);
			goto fail;
		}
	} else {
		for (i = 0; i < 2; i++) {
			struct lpm_leaf *lf;

			if (e[i]->len <= 8 * d + 8)
				continue;
			lf = leaf_new(t, e[i]);
			r = -ENOMEM;
			if (!lf)
				goto fail;
			r = node_apply(t, &n, KID_ADD, e[i]->key[d], (uintptr_t)lf | 1);
			if (r < 0) {
				lpm_release(t, lf, leaf_size(t));
				goto fail;
			}
		}
	}
	*ret = n;
	return 0;
fail:
	subtree_free(t, n);
	return r;
}

/* Copy key into buf with the bits beyond len cleared. */
static void key_mask(const struct lpm *t, const uint8_t *key, unsigned len, uint8_t *buf)
{
	unsigned nbytes = t->bits / 8, full = len / 8;

	if (t->bits == 32) {
		lpm_mask4(key, len, buf);
		return;
	}

	memcpy(buf, key, full);
	memset(buf + full, 0, nbytes - full);
	if (len % 8)
		buf[full] = key[full] & (uint8_t)(0xff00u >> (len % 8));
}

/* true when addr lies inside the leaf's prefix; the first skip bytes are
 * known to match already. */
static inline int leaf_covers(const struct lpm_leaf *lf, const uint8_t *addr, unsigned skip)
{
	unsigned full = lf->len / 8, rest = lf->len % 8;

	if (full > skip && memcmp(addr + skip, lf->key + skip, full - skip) != 0)
		return 0;
	return rest == 0 || ((addr[full] ^ lf->key[full]) & (0xff00u >> rest)) == 0;
}

struct lpm *lpm_new(unsigned bits, struct rtw_mem *m)
{
	struct lpm *t;

	if ((bits != 32 && bits != 128) || !m) {
		errno = EINVAL;
		return NULL;
	}
	t = mem_calloc(m, 1, sizeof(*t));
	if (!t) {
		errno = ENOMEM;
		return NULL;
	}
	t->mem = m;
	t->bits = bits;
	t->bytes = sizeof(*t);
	/* below 64k prefixes its 1 MiB would cost more than 16 bytes a prefix */
	t->top_min = 65536;
	/* IPv6 routes live in 2000::/3: the index covers that eighth only */
	t->f.top_lo = bits == 32 ? 0 : 0x2000;
	t->f.top_n = bits == 32 ? 65536 : 0x2000;
	t->root = (uintptr_t)lpm_alloc(t, node_size(0, 0));
	if (!t->root) {
		mem_free(m, t, sizeof(*t));
		errno = ENOMEM;
		return NULL;
	}
	memset(as_node(t->root), 0, node_size(0, 0));
	return t;
}

static void front_drop(struct lpm *t);

void lpm_free(struct lpm *t)
{
	if (!t)
		return;
	subtree_free(t, t->root);
	if (t->f.top)
		mem_free(t->mem, t->f.top, TOP_SIZE(t));
	front_drop(t);
	mem_free(t->mem, t, sizeof(*t));
}

/* Slot a.b of the direct index, computed from the trie. */
static void top_slot_fill(const struct lpm *t, unsigned a, unsigned b, struct lpm_top_slot *ret)
{
	const struct lpm_node *root = as_node(t->root), *n1 = NULL;
	const uint8_t addr[2] = { (uint8_t)a, (uint8_t)b };
	unsigned i;
	uintptr_t c;

	ret->deeper = 0;
	ret->value = LPM_NONE;
	ret->len = 0;
	if (bit_test(root->kid, a)) {
		c = node_kids(root)[kid_rank(root, a)];
		if (!is_leaf(c)) {
			n1 = as_node(c);
			if (bit_test(n1->kid, b))
				ret->deeper = node_kids(n1)[kid_rank(n1, b)];
		} else if (as_leaf(c)->len > 16) {
			if (as_leaf(c)->key[1] == b)
				ret->deeper = c;
		} else if (leaf_covers(as_leaf(c), addr, 1)) {
			ret->value = as_leaf(c)->value;
			ret->len = as_leaf(c)->len;
			return;
		}
	}
	if (n1 && (i = node_best(n1, b)) != 0) {
		ret->value = node_vals(n1)[pfx_rank(n1, i)];
		ret->len = 8 + 31 - (unsigned)__builtin_clz(i);
	} else if ((i = node_best(root, a)) != 0) {
		ret->value = node_vals(root)[pfx_rank(root, i)];
		ret->len = 31 - (unsigned)__builtin_clz(i);
	}
}

static void front_refallback(struct lpm *t, unsigned s, const struct lpm_top_slot *old);

/* Refills the slots for first-16-bit values lo .. lo+n-1 that it covers. */
static void top_fill(struct lpm *t, unsigned lo, unsigned n)
{
	struct lpm_top_slot old;
	unsigned s, hi = lo + n;

	if (lo < t->f.top_lo)
		lo = t->f.top_lo;
	if (hi > t->f.top_lo + t->f.top_n)
		hi = t->f.top_lo + t->f.top_n;
	for (s = lo; s < hi; s++) {
		if (!t->f.front) {
			top_slot_fill(t, s >> 8, s & 255, &t->f.top[s - t->f.top_lo]);
			continue;
		}
		old = t->f.top[s];
		top_slot_fill(t, s >> 8, s & 255, &t->f.top[s]);
		front_refallback(t, s, &old);
	}
}

static uint32_t front_pack(uint32_t value, unsigned len)
{
	if (value == LPM_NONE)
		return FRONT_NONE;
	return value > FRONT_VMAX ? FRONT_DEEP : value << 6 | len;
}

static inline bool is_rec(uint32_t e)
{
	return (e & 60) == FRONT_REC;
}

/* Every front entry is written here: the map of the blocks with a record
 * (lpm_fast.front_recs) must say so of each, or a lookup would take a
 * record's number for an answer. */
static inline void front_put(struct lpm *t, uint32_t blk, uint32_t e)
{
	uint64_t bit = UINT64_C(1) << (blk % 64);

	t->f.front[blk] = e;
	if (is_rec(e))
		t->f.front_recs[blk / 64] |= bit;
	else
		t->f.front_recs[blk / 64] &= ~bit;
}

/* The class of the record of entry e: 0, 1, 2 for a map of 1 << class
 * bits a /24, REC_DIRECT. */
static inline unsigned rec_class(uint32_t e)
{
	return e & 3;
}

static inline bool is_direct(uint32_t e)
{
	return rec_class(e) == REC_DIRECT;
}

/* The answers a record of class c holds room for: two for each bit of a
 * /24's number (2, 4, 8), or all 64. */
static inline unsigned class_cap(unsigned c)
{
	return c == REC_DIRECT ? REC_SUBS : 2u << c;
}

/* Its size in units: map and answers, 2k words each (4, 8, 16 words). */
static inline unsigned class_units(unsigned c)
{
	return c == REC_DIRECT ? REC_SUBS / LPM_REC_UNIT : 1u << c;
}

static inline unsigned rec_cap(uint32_t e)
{
	return class_cap(rec_class(e));
}

/* The words of record r: a mapped one's map, then its answers; a direct
 * one's answers. */
static inline uint32_t *rec_at(const struct lpm *t, uint32_t r)
{
	return lpm_rec_words(&t->f, r);
}

/* The answers of the record of entry e. */
static inline uint32_t *rec_answers(const struct lpm *t, uint32_t e)
{
	return rec_at(t, e >> 6) + (is_direct(e) ? 0 : lpm_rec_ans(rec_class(e)));
}

/* A map of class c (k = 1 << c bits a /24) is k 64-bit words. */
#define MAP_N 4 /* words of the widest */
/* what a record holds past its answers: no answer refers to a record */
#define REC_UNUSED FRONT_REC

/* A free record of class c: its number (its first unit), or LPM_NONE when
 * no memory is left. A free record's first word is the next free one + 1. */
static uint32_t rec_get(struct lpm *t, unsigned c)
{
	uint32_t **dir, *fl = &t->rec_free[c], r, i;
	void **raw, *sp, *raw_c = NULL;

	if (!*fl) {
		if ((uint64_t)(t->rec_nchunk + 1) << LPM_REC_CHUNK_BITS > (UINT32_C(1) << 26))
			return LPM_NONE;
		dir = lpm_alloc(t, (t->rec_nchunk + 1) * sizeof(*dir));
		raw = lpm_alloc(t, (t->rec_nchunk + 1) * sizeof(*raw));
		for (i = 0, sp = NULL; i < 2 && !sp; i++)
			if (t->spare_len[i] >= REC_CHUNK_SIZE)
				sp = (void *)t->spare[i];
		if (sp) {
			t->spare[i - 1] += REC_CHUNK_SIZE;
			t->spare_len[i - 1] -= REC_CHUNK_SIZE;
		}
		if (!dir || !raw || !(raw_c = sp ? sp : lpm_alloc(t, REC_CHUNK_SIZE))) {
			lpm_release(t, dir, (t->rec_nchunk + 1) * sizeof(*dir));
			lpm_release(t, raw, (t->rec_nchunk + 1) * sizeof(*raw));
			if (sp) {
				t->spare[i - 1] -= REC_CHUNK_SIZE;
				t->spare_len[i - 1] += REC_CHUNK_SIZE;
			}
			return LPM_NONE;
		}
		if (t->rec_nchunk) {
			memcpy(dir, t->f.rec_dir, t->rec_nchunk * sizeof(*dir));
			memcpy(raw, t->rec_raw, t->rec_nchunk * sizeof(*raw));
		}
		lpm_release(t, t->f.rec_dir, t->rec_nchunk * sizeof(*dir));
		lpm_release(t, t->rec_raw, t->rec_nchunk * sizeof(*raw));
		/* chunks in the spare room are freed with the front array */
		raw[t->rec_nchunk] = sp ? NULL : raw_c;
		dir[t->rec_nchunk] = (uint32_t *)(((uintptr_t)raw_c + 63) & ~(uintptr_t)63);
		t->f.rec_dir = dir;
		t->rec_raw = raw;
		for (i = LPM_REC_CHUNK; i > 0;) {
			i -= class_units(c);
			r = t->rec_nchunk << LPM_REC_CHUNK_BITS | i;
			rec_at(t, r)[0] = *fl;
			*fl = r + 1;
		}
		t->rec_nchunk++;
	}
	r = *fl - 1;
	*fl = rec_at(t, r)[0];
	return r;
}

/* Frees the record of front entry e. */
static void rec_put(struct lpm *t, uint32_t e)
{
	uint32_t *fl = &t->rec_free[rec_class(e)];

	rec_at(t, e >> 6)[0] = *fl;
	*fl = (e >> 6) + 1;
}

static void rec_drop(struct lpm *t)
{
	unsigned i;

	for (i = 0; i < t->rec_nchunk; i++)
		lpm_release(t, t->rec_raw[i], REC_CHUNK_SIZE);
	t->spare[0] = t->spare[1] = NULL;
	t->spare_len[0] = t->spare_len[1] = 0;
	lpm_release(t, t->f.rec_dir, t->rec_nchunk * sizeof(*t->f.rec_dir));
	lpm_release(t, t->rec_raw, t->rec_nchunk * sizeof(*t->rec_raw));
	t->f.rec_dir = NULL;
	t->rec_raw = NULL;
	t->rec_nchunk = 0;
	memset(t->rec_free, 0, sizeof(t->rec_free));
}

/* The answer for the /24 of octet o below top slot ts, packed; FRONT_DEEP
 * when it holds a longer prefix. */
static uint32_t front_sub(const struct lpm_top_slot *ts, unsigned o)
{
	const struct lpm_node *n;
	const struct lpm_leaf *lf;
	unsigned i, l;

	if (is_leaf(ts->deeper)) {
		lf = as_leaf(ts->deeper);
		l = lf->len - 16;
		if (l > 8)
			return lf->key[2] == o ? FRONT_DEEP : front_pack(ts->value, ts->len);
		if (((o ^ lf->key[2]) >> (8 - l)) == 0)
			return front_pack(lf->value, lf->len);
		return front_pack(ts->value, ts->len);
	}
	n = as_node(ts->deeper);
	if (bit_test(n->kid, o))
		return FRONT_DEEP;
	i = node_best(n, o);
	if (!i)
		return front_pack(ts->value, ts->len);
	return front_pack(node_vals(n)[pfx_rank(n, i)], 16 + 31 - (unsigned)__builtin_clz(i));
}

/* The number of /24 i's answer in map, of class c, and setting it to j. */
static inline unsigned map_get(const uint64_t *map, unsigned c, unsigned i)
{
	unsigned bit = i << c;

	return (unsigned)(map[bit / 64] >> (bit % 64)) & lpm_rec_num_mask(c);
}

static inline void map_put(uint64_t *map, unsigned c, unsigned i, unsigned j)
{
	unsigned bit = i << c;
	uint64_t mask = (uint64_t)lpm_rec_num_mask(c) << (bit % 64);

	map[bit / 64] = (map[bit / 64] & ~mask) | (uint64_t)j << (bit % 64);
}

/* Number j of class c in every place of a map word: a multiply by a
 * constant, not by UINT64_MAX / mask, a division an edit waits on. */
static inline uint64_t map_fill(unsigned c, uint64_t j)
{
	static const uint64_t ones[3] = { UINT64_MAX, UINT64_MAX / 3, UINT64_MAX / 15 };

	return ones[c] * j;
}

/* map, of class c, rewritten as a map of class to. */
static void map_recode(uint64_t *map, unsigned c, unsigned to)
{
	uint64_t old[MAP_N];
	unsigned i;

	memcpy(old, map, sizeof(old));
	memset(map, 0, sizeof(old));
	for (i = 0; i < REC_SUBS; i++)
		map_put(map, to, i, map_get(old, c, i));
}

/* Whether the map of class c at p (1 << c words, of a record or not) gives
 * every /24 the same number; *ret_num gets the first /24's. */
static bool map_uniform(const void *p, unsigned c, unsigned *ret_num)
{
	uint64_t mask = lpm_rec_num_mask(c), m, same, diff = 0;
	unsigned i;

	memcpy(&m, p, sizeof(m));
	*ret_num = (unsigned)(m & mask);
	same = map_fill(c, m & mask); /* the first number everywhere */
	for (i = 0; i < (1u << c); i++) {
		memcpy(&m, (const char *)p + i * sizeof(m), sizeof(m));
		diff |= m ^ same;
	}
	return !diff;
}

/* The entry for a block with answers uniq[0 .. nu) mapped by map, of class
 * c, nu at most class_cap(c): one answer, a record of class c (old's when
 * it had one), or FRONT_DEEP when no record can be had. */
static uint32_t front_mapped(struct lpm *t, uint32_t old, const uint64_t *map, unsigned c,
			     const uint32_t *uniq, unsigned nu)
{
	uint32_t *w, r;
	unsigned num;

	if (map_uniform(map, c, &num))
		return uniq[num];
	r = is_rec(old) && rec_class(old) == c ? old >> 6 : rec_get(t, c);
	if (r == LPM_NONE)
		return FRONT_DEEP;
	w = rec_at(t, r);
	memcpy(w, map, (1u << c) * sizeof(*map));
	memcpy(w + lpm_rec_ans(c), uniq, nu * sizeof(uint32_t));
	/* the rest marked unused: an edit finds nu without reading the map */
	for (; nu < class_cap(c); nu++)
		w[lpm_rec_ans(c) + nu] = REC_UNUSED;
	return r << 6 | FRONT_REC | c;
}

/* The entry for a block whose /24s have the answers ans[], too many for a
 * map: a direct record (old's when it had one), or FRONT_DEEP when none can
 * be had. */
static uint32_t front_direct(struct lpm *t, uint32_t old, const uint32_t *ans)
{
	uint32_t r = is_rec(old) && is_direct(old) ? old >> 6 : rec_get(t, REC_DIRECT);

	if (r == LPM_NONE)
		return FRONT_DEEP;
	memcpy(rec_at(t, r), ans, REC_SUBS * sizeof(*ans));
	return r << 6 | FRONT_REC_DIRECT;
}

/* The smallest class whose map numbers nu answers. */
static inline unsigned class_for(unsigned nu)
{
	return nu <= 2 ? 0 : nu <= 4 ? 1 : 2;
}

/* front_set()'s common case: an edit of a few /24s of a block with a mapped
 * record (old) that holds their new answers already, or has room for them.
 * The record's map and answers are edited where they are, to what the
 * general path would write back: copying both out and back in took a
 * third of the instructions front_set() spent on a /24. Returns false when an answer
 * does not fit (the /24s before it are mapped, as the general path maps
 * them again). A block left with one answer gets it as its entry again. */
static bool front_map_edit(struct lpm *t, uint32_t blk, uint32_t old, const struct lpm_top_slot *ts,
			   unsigned sub, unsigned nsub)
{
	unsigned c = rec_class(old), cap = class_cap(c), o0 = (blk * REC_SUBS) & 255, i, j, bit;
	uint32_t *w = rec_at(t, old >> 6), *a = w + lpm_rec_ans(c), x;
	uint64_t mask = lpm_rec_num_mask(c), m;

	for (i = sub; i < sub + nsub; i++) {
		x = front_sub(ts, o0 + i);
		/* the answers are packed: the first unused one ends them */
		for (j = 0; j < cap && a[j] != x && a[j] != REC_UNUSED; j++)
			;
		if (j == cap)
			return false;
		a[j] = x;
		bit = i << c;
		memcpy(&m, w + 2 * (bit / 64), sizeof(m));
		m = (m & ~(mask << (bit % 64))) | (uint64_t)j << (bit % 64);
		memcpy(w + 2 * (bit / 64), &m, sizeof(m));
	}
	if (map_uniform(w, c, &j)) {
		front_put(t, blk, a[j]);
		rec_put(t, old);
	}
	return true;
}

/* Refreshes the front entry of block blk (the first FRONT_BITS bits); the
 * top slot must be up to date. When only the /24s sub .. sub+nsub-1 can have
 * changed and the entry knows the others' answers, those are written in
 * place (a direct record) or the old map is edited, in a wider class when
 * the answers outgrow it: recomputing all 64 answers reads the node's
 * values on as many cache lines and would cost an edit of a /24 far more.
 * Until a full recompute, a mapped record keeps the answers no longer used
 * (and its class), and a direct record stays one however few answers are
 * left. */
static void front_set(struct lpm *t, uint32_t blk, unsigned sub, unsigned nsub)
{
	const struct lpm_top_slot *ts = &t->f.top[blk / SLOT_BLOCKS];
	uint32_t old = t->f.front[blk], e, uniq[LPM_REC_ANS], ans[REC_SUBS], x;
	unsigned i, j, c = 0, nu = 0, o0 = (blk * REC_SUBS) & 255;
	uint64_t map[MAP_N] = { 0 };

	if (!ts->deeper) {
		e = front_pack(ts->value, ts->len);
		goto out;
	}
	if ((old & 63) != LPM_FRONT_DEEP && nsub < REC_SUBS) {
		if (is_rec(old) && is_direct(old)) {
			uint32_t *w = rec_at(t, old >> 6);

			for (i = sub; i < sub + nsub; i++)
				w[i] = front_sub(ts, o0 + i);
			return;
		}
		if (is_rec(old) && front_map_edit(t, blk, old, ts, sub, nsub))
			return;
		if (is_rec(old)) {
			const uint32_t *w = rec_at(t, old >> 6), *a = rec_answers(t, old);

			/* word by word: a copy of a variable size became a
			 * rep movsq (gcc 12), ~100 ns an edit waiting on it */
			c = rec_class(old);
			for (i = 0; i < (1u << c); i++)
				memcpy(&map[i], w + 2 * i, sizeof(*map));
			for (; nu < class_cap(c) && a[nu] != REC_UNUSED; nu++)
				uniq[nu] = a[nu];
		} else {
			uniq[nu++] = old;
		}
		for (i = sub; i < sub + nsub; i++) {
			x = front_sub(ts, o0 + i);
			for (j = 0; j < nu && uniq[j] != x; j++)
				;
			if (j == nu && nu == class_cap(c)) {
				if (nu == LPM_REC_ANS)
					goto full;
				map_recode(map, c, c + 1);
				c++;
			}
			if (j == nu)
				uniq[nu++] = x;
			map_put(map, c, i, j);
		}
		e = front_mapped(t, old, map, c, uniq, nu);
		goto out;
	}
full:
	/* nu past LPM_REC_ANS: too many answers for a map; the widest map
	 * first, narrowed to the answers found */
	memset(map, 0, sizeof(map));
	for (i = 0, nu = 0; i < REC_SUBS; i++) {
		ans[i] = x = front_sub(ts, o0 + i);
		if (nu > LPM_REC_ANS)
			continue;
		for (j = 0; j < nu && uniq[j] != x; j++)
			;
		if (j == LPM_REC_ANS) {
			nu = LPM_REC_ANS + 1;
			continue;
		}
		if (j == nu)
			uniq[nu++] = x;
		map_put(map, 2, i, j);
	}
	if (nu > LPM_REC_ANS) {
		e = front_direct(t, old, ans);
	} else {
		c = class_for(nu);
		if (c != 2)
			map_recode(map, 2, c);
		e = front_mapped(t, old, map, c, uniq, nu);
	}
out:
	if (is_rec(old) && old != e)
		rec_put(t, old);
	front_put(t, blk, e);
}

/* After top slot s changed from old: its answer up to /16 (the fallback)
 * may have, and that is all an edit of a /16 or shorter prefix changes in
 * the front. Packed answers name their length, so the fallback's code is
 * found in entries and records without the 64 /24s being recomputed: a
 * default route comes and goes in a few ms on the full table instead of
 * ~45. Blocks going the long way (FRONT_DEEP) read the slot anyway; an
 * unpackable old fallback is not told apart from them, and recomputes. */
static void front_refallback(struct lpm *t, unsigned s, const struct lpm_top_slot *old)
{
	const struct lpm_top_slot *ts = &t->f.top[s];
	uint32_t fo = front_pack(old->value, old->len), fn = front_pack(ts->value, ts->len), b, e;
	uint32_t *w;
	unsigned k;

	if (fo == fn)
		return;
	for (b = s * SLOT_BLOCKS; b < (s + 1) * SLOT_BLOCKS; b++) {
		e = t->f.front[b];
		if (fo == FRONT_DEEP) {
			front_set(t, b, 0, REC_SUBS);
		} else if (e == fo) {
			front_put(t, b, fn);
		} else if (is_rec(e)) {
			w = rec_answers(t, e);
			for (k = 0; k < rec_cap(e); k++)
				w[k] = w[k] == fo ? fn : w[k];
		}
	}
}

/* Refills the front entries of the blocks under key/len. */
static void front_fill(struct lpm *t, const uint8_t *key, unsigned len)
{
	uint32_t k = lpm_load_be32(key), lo = k >> (32 - FRONT_BITS), n = 1, b;

	if (len > FRONT_BITS) {
		front_set(t, lo,
			  (k >> 8) & (REC_SUBS - 1) & ~((1u << (len < 24 ? 24 - len : 0)) - 1),
			  len < 24 ? 1u << (24 - len) : 1);
		return;
	}
	n = UINT32_C(1) << (FRONT_BITS - len);
	lo &= ~(n - 1);
	for (b = lo; b < lo + n; b++)
		front_set(t, b, 0, REC_SUBS);
}

/* The front array is 1 MiB read at random: aligned to a huge page and
 * advised so (with the records in the rest of that page), it costs no TLB
 * misses where the system has huge pages. */
static void front_build(struct lpm *t)
{
	static const uint8_t zero[4];
	uintptr_t p;

	if (t->bits != 32)
		return;
	t->front_mem = mem_alloc(t->mem, FRONT_ALLOC);
	if (!t->front_mem)
		return;
	t->bytes += FRONT_ALLOC;
	p = ((uintptr_t)t->front_mem + FRONT_HUGE - 1) & ~(uintptr_t)(FRONT_HUGE - 1);
	t->f.front = (uint32_t *)p;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
	madvise(t->f.front, FRONT_SPAN, MADV_HUGEPAGE);
#endif
	/* the map in the array's huge page: no TLB entry of its own */
	t->f.front_recs = (uint64_t *)(void *)(t->f.front + FRONT_N);
	memset(t->f.front, 0, FRONT_SIZE + FRONT_RECS_SIZE);
	t->spare[0] = t->front_mem;
	t->spare_len[0] = p - (uintptr_t)t->front_mem;
	t->spare[1] = (char *)t->f.front_recs + FRONT_RECS_SIZE;
	t->spare_len[1] = FRONT_ALLOC - t->spare_len[0] - FRONT_SIZE - FRONT_RECS_SIZE;
	front_fill(t, zero, 0);
}

static void front_drop(struct lpm *t)
{
	if (!t->front_mem)
		return;
	rec_drop(t);
	mem_free(t->mem, t->front_mem, FRONT_ALLOC);
	t->bytes -= FRONT_ALLOC;
	t->front_mem = NULL;
	t->f.front = NULL;
	t->f.front_recs = NULL;
}

/* After an edit of key/len: the slots under the prefix when it is /16 or
 * shorter, else its one slot, and all of key[0]'s when its depth-1 node
 * appeared or went. The index is built or dropped as the table crosses
 * top_min; failing to build it only costs speed, so it never fails an edit. */
static void top_update(struct lpm *t, const uint8_t *key, unsigned len, int depth1_changed)
{
	unsigned s = (unsigned)key[0] << 8 | key[1];

	if (!t->f.top) {
		if (!t->top_min || t->count < t->top_min)
			return;
		t->f.top = mem_alloc(t->mem, TOP_SIZE(t));
		if (!t->f.top)
			return;
		t->bytes += TOP_SIZE(t);
		top_fill(t, 0, 65536);
		front_build(t);
		return;
	}
	if (!t->top_min || t->count < t->top_min / 2) {
		mem_free(t->mem, t->f.top, TOP_SIZE(t));
		t->bytes -= TOP_SIZE(t);
		t->f.top = NULL;
		front_drop(t);
		return;
	}
	if (depth1_changed)
		top_fill(t, s & 0xff00, 256);
	if (len <= 16)
		top_fill(t, s & ~((1u << (16 - len)) - 1), 1u << (16 - len));
	else if (!depth1_changed)
		top_fill(t, s, 1);
	/* only answers under the prefix changed (top_fill saw to those of a
	 * /16 or shorter); whether a block holds a longer prefix is about its
	 * contents, not how the trie stores them */
	if (t->f.front && len > 16)
		front_fill(t, key, len);
}

void lpm_set_top_min(struct lpm *t, size_t n)
{
	uint8_t zero[16] = { 0 };

	t->top_min = n;
	top_update(t, zero, 0, 0);
}

/* What an edit of key can change in the direct index: whether key[0] has a
 * depth-1 node, and the entry below key[0], key[1]. */
struct top_mark {
	int depth1;
	uintptr_t deeper;
};

static int insert_trie(struct lpm *t, const uint8_t *k, unsigned len, uint32_t value,
		       struct top_mark *before, bool *ret_moved);
static int delete_trie(struct lpm *t, const uint8_t *k, unsigned len, struct top_mark *before,
		       bool *ret_moved);

static void top_mark(const struct lpm *t, const uint8_t *key, struct top_mark *ret)
{
	const struct lpm_node *n = as_node(t->root);
	uintptr_t c;

	ret->depth1 = 0;
	ret->deeper = 0;
	if (!bit_test(n->kid, key[0]))
		return;
	c = node_kids(n)[kid_rank(n, key[0])];
	if (is_leaf(c)) {
		ret->deeper = c;
		return;
	}
	ret->depth1 = 1;
	n = as_node(c);
	if (bit_test(n->kid, key[1]))
		ret->deeper = node_kids(n)[kid_rank(n, key[1])];
}

/* The marks of a prefix longer than /16 as its walk down meets them, before
 * it changes anything: c is the child entry at depth d (0 or 1) on its way. */
static inline void mark_walk(struct top_mark *m, unsigned d, uintptr_t c)
{
	if (d == 0 && !is_leaf(c))
		m->depth1 = 1;
	else if (d < 2)
		m->deeper = c;
}

/* Whether an edit of the node at depth d, whose link held n before it, may
 * have changed the marks: they are read from the root, the depth-1 node and
 * the link to the depth-2 one, not from what is deeper. */
static inline bool mark_moved(unsigned d, uintptr_t n, uintptr_t link)
{
	return d < 2 || (d == 2 && n != link);
}

/* After a successful edit: an edit below /16 that left both marks alone
 * (most do, now that nodes change in place) has nothing to refresh. moved
 * false says that the edit left them alone (the marks are not read again). */
static void top_after(struct lpm *t, const uint8_t *k, unsigned len, const struct top_mark *before,
		      bool moved)
{
	struct top_mark after = *before;

	if (moved)
		top_mark(t, k, &after);
	/* a depth-1 node that stays, with a new entry below it (a node
	 * rebuilt elsewhere, come or gone): the slot's answer up to /16 did
	 * not change, so its entry is all that top_fill() would write, unless
	 * the index is to go (top_update() drops it) */
	if (t->f.top && len > 16 && before->depth1 == after.depth1 && t->top_min &&
	    t->count >= t->top_min / 2 && (before->deeper == after.deeper || after.depth1)) {
		unsigned s = ((unsigned)k[0] << 8 | k[1]) - t->f.top_lo;

		if (before->deeper != after.deeper && s < t->f.top_n)
			t->f.top[s].deeper = after.deeper;
		if (t->f.front)
			front_fill(t, k, len);
		return;
	}
	top_update(t, k, len, before->depth1 != after.depth1);
}

static inline uint32_t front_index(const uint8_t *k)
{
	return lpm_load_be32(k) >> (32 - FRONT_BITS);
}

/* The first octets a prefix covers. */
static void octet_range(const uint8_t *k, unsigned len, unsigned *ret_lo, unsigned *ret_n)
{
	*ret_lo = len ? k[0] : 0;
	*ret_n = len >= 8 ? 1 : 1u << (8 - len);
	*ret_lo &= ~(*ret_n - 1);
}

/* After a delete: octet o stays covered while the root holds a prefix
 * over it or has a child below it (the trie keeps no empty subtree). */
static void octet_refresh(struct lpm *t, const uint8_t *k, unsigned len)
{
	const struct lpm_node *root = as_node(t->root);
	unsigned lo, n, o;

	octet_range(k, len, &lo, &n);
	for (o = lo; o < lo + n; o++) {
		uint64_t bit = UINT64_C(1) << (o & 63);

		if (((root->kid[o >> 6] >> (o & 63)) & 1) || node_best(root, o))
			t->f.octet0[o >> 6] |= bit;
		else
			t->f.octet0[o >> 6] &= ~bit;
	}
}

/* Sets bits lo to lo + n - 1 of a 256-bit map. */
static void map_span(uint64_t map[4], unsigned lo, unsigned n)
{
	unsigned hi = lo + n, w, a, b;

	/* a word at a time: a default route's refresh of the bare maps
	 * (table.c) spans whole octets many times over */
	for (w = lo >> 6; w < 4 && 64 * w < hi; w++) {
		a = lo > 64 * w ? lo - 64 * w : 0;
		b = hi < 64 * (w + 1) ? hi - 64 * w : 64;
		map[w] |= (b - a == 64 ? UINT64_MAX : ((UINT64_C(1) << (b - a)) - 1)) << a;
	}
}

/* What t holds under first octet o: 1 when a prefix up to /8 covers all of
 * it, else its child entry there (0: none). */
static uintptr_t octet_entry(const struct lpm *t, unsigned o)
{
	const struct lpm_node *root = as_node(t->root);

	if (node_best(root, o))
		return 1;
	return bit_test(root->kid, o) ? node_kids(root)[kid_rank(root, o)] : 0;
}

/* The second octets a leaf below the root covers (it is longer than /8):
 * *ret_n of them from *ret_lo. */
static void leaf_seconds(const struct lpm_leaf *lf, unsigned *ret_lo, unsigned *ret_n)
{
	unsigned l = lf->len >= 16 ? 0 : 16 - lf->len;

	*ret_lo = lf->key[1] >> l << l;
	*ret_n = 1u << l;
}

void lpm_octet_cover(const struct lpm *t, unsigned o, uint64_t ret[4])
{
	uintptr_t c = octet_entry(t, o);
	const struct lpm_node *n;
	unsigned w, b, i, l;
	uint64_t bits;

	memset(ret, 0, 4 * sizeof(*ret));
	if (c == 1) {
		map_span(ret, 0, 256);
		return;
	}
	if (!c)
		return;
	if (is_leaf(c)) {
		leaf_seconds(as_leaf(c), &b, &l);
		map_span(ret, b, l);
		return;
	}
	n = as_node(c);
	/* /9 to /16 in its prefix bitmap: index (1 << l) | b covers second
	 * octets b << (8 - l) on, 1 << (8 - l) of them */
	for (w = 0; w < 8; w++)
		for (bits = n->pfx[w]; bits; bits &= bits - 1) {
			i = 64 * w + (unsigned)__builtin_ctzll(bits);
			l = 31 - (unsigned)__builtin_clz(i);
			b = i - (1u << l);
			map_span(ret, b << (8 - l), 1u << (8 - l));
		}
	for (w = 0; w < 4; w++) /* anything longer below a second octet */
		ret[w] |= n->kid[w];
}

bool lpm_meets16(const struct lpm *t, const uint8_t *key)
{
	unsigned s = ((unsigned)key[0] << 8 | key[1]) - t->f.top_lo, lo, n;
	const struct lpm_node *node;
	uintptr_t c;

	/* the direct index has it in one slot: a prefix up to /16 over it, or
	 * an entry below it */
	if (t->f.top && s < t->f.top_n)
		return t->f.top[s].value != LPM_NONE || t->f.top[s].deeper;
	c = octet_entry(t, key[0]);
	if (c <= 1)
		return c == 1;
	if (is_leaf(c)) {
		leaf_seconds(as_leaf(c), &lo, &n);
		return key[1] - lo < n;
	}
	node = as_node(c);
	return node_best(node, key[1]) || bit_test(node->kid, key[1]);
}

/* The lines of the entry below the first two octets that lpm_prefetch()
 * fetches: all of a node of up to ~100 prefixes. */
#define PREFETCH_LINES 8

void lpm_prefetch(const struct lpm *t, const uint8_t *key, struct lpm_hint *ret)
{
	unsigned s = (unsigned)key[0] << 8 | key[1];
	struct top_mark mark;
	uintptr_t c;

	if (t->f.front)
		RTW_PREFETCH(&t->f.front[front_index(key)]);
	if (t->f.top && s - t->f.top_lo < t->f.top_n)
		RTW_PREFETCH(&t->f.top[s - t->f.top_lo]);
	/* the entry below key[0], key[1]: the root and the depth-1 nodes it
	 * walks are few and mostly in the caches */
	top_mark(t, key, &mark);
	c = mark.deeper;
	if (c && is_leaf(c)) {
		RTW_PREFETCH(c & ~(uintptr_t)1);
	} else if (c) {
		unsigned i;

		/* the header, and the values of a node of up to ~100 prefixes
		 * (most /24s live in such nodes): in flight before the header
		 * says where the one needed is */
		for (i = 0; i < PREFETCH_LINES; i++)
			RTW_PREFETCH(c + 64 * i);
	}
	ret->d2 = c;
}

/* Lines of the arrays from p to end, up to a few: what an edit in place
 * moves. */
static inline void prefetch_span(const void *p, const void *end)
{
	const char *a = p, *b = end;
	unsigned i;

	for (i = 0; i < 6 && a < b; i++, a += 64)
		RTW_PREFETCH(a);
}

/* Starts the loads of child entry c (a leaf, or a node's first lines);
 * returns the node, or NULL for a leaf. */
static const struct lpm_node *entry_prefetch(uintptr_t c)
{
	RTW_PREFETCH(c & ~(uintptr_t)1);
	if (is_leaf(c))
		return NULL;
	node_prefetch(as_node(c));
	return as_node(c);
}

void lpm_prefetch_more(const struct lpm *t, const uint8_t *key, unsigned len,
		       const struct lpm_hint *h)
{
	const struct lpm_node *n;
	bool whole;

	if (t->f.front) {
		uint32_t e = t->f.front[front_index(key)];

		if (is_rec(e))
			RTW_PREFETCH(rec_at(t, e >> 6));
	}
	if (!h->d2 || is_leaf(h->d2) || len <= 16)
		return;
	n = as_node(h->d2);
	/* a node whose lines lpm_prefetch() fetched all needs no span */
	whole = ((uintptr_t)n & 63) + node_size(n->npfx, n->nkid) <= PREFETCH_LINES * 64;
	if (len <= 24) {
		const uint32_t *v = node_vals(n);

		if (!whole)
			prefetch_span(v + pfx_rank(n, pfx_index(key, len)), v + n->npfx);
	} else if (bit_test(n->kid, key[2])) {
		const uintptr_t *k = node_kids(n) + kid_rank(n, key[2]);

		if (!whole)
			prefetch_span(k, node_kids(n) + n->nkid);
		/* the entry a level down, that the edit waits on next (an IPv6
		 * prefix walks a few): read now, its miss overlaps the route's */
		n = entry_prefetch(*k);
		/* and one more below it for a prefix past /32 (most of IPv6):
		 * that node's header comes in with the route record */
		if (n && len > 32 && bit_test(n->kid, key[3]))
			entry_prefetch(node_kids(n)[kid_rank(n, key[3])]);
	}
}

int lpm_insert(struct lpm *t, const uint8_t *key, unsigned len, uint32_t value)
{
	struct top_mark before = { 0, 0 };
	uint8_t k[16];
	bool moved = true;
	int r;

	if (!t || !key || len > t->bits || value == LPM_NONE)
		return -EINVAL;
	key_mask(t, key, len, k);
	/* the walk of a longer prefix reads the marks on its way */
	if (len <= 16)
		top_mark(t, k, &before);
	r = insert_trie(t, k, len, value, &before, &moved);
	/* a replace changes the answers kept in the index, too */
	if (r >= 0) {
		unsigned lo, n, o;

		top_after(t, k, len, &before, moved);
		octet_range(k, len, &lo, &n);
		for (o = lo; o < lo + n; o++)
			t->f.octet0[o >> 6] |= UINT64_C(1) << (o & 63);
	}
	return r;
}

int lpm_delete(struct lpm *t, const uint8_t *key, unsigned len)
{
	struct top_mark before = { 0, 0 };
	uint8_t k[16];
	bool moved = true;
	int r;

	if (!t || !key || len > t->bits)
		return -EINVAL;
	key_mask(t, key, len, k);
	if (len <= 16)
		top_mark(t, k, &before);
	r = delete_trie(t, k, len, &before, &moved);
	if (r == 0) {
		top_after(t, k, len, &before, moved);
		octet_refresh(t, k, len);
	}
	return r;
}

/* For a prefix longer than /16, *before gets the marks as they were and
 * *ret_moved whether the edit may have changed them; left alone else. */
static int insert_trie(struct lpm *t, const uint8_t *k, unsigned len, uint32_t value,
		       struct top_mark *before, bool *ret_moved)
{
	struct entry e = { k, len, value };
	struct lpm_node *n;
	struct lpm_leaf *lf;
	uintptr_t *link, *slot, c;
	unsigned d, td, o, idx;
	int r;

	td = pfx_depth(len);
	link = &t->root;
	for (d = 0;; d++) {
		n = as_node(*link);
		if (d == td) {
			idx = pfx_index(k, len);
			if (bit_test(n->pfx, idx)) {
				node_vals(n)[pfx_rank(n, idx)] = value;
				if (td >= 2)
					*ret_moved = false;
				return 1;
			}
			r = node_apply(t, link, PFX_ADD, idx, value);
			if (r < 0)
				return r;
			if (td >= 2)
				*ret_moved = mark_moved(d, (uintptr_t)n, *link);
			t->count++;
			return 0;
		}
		o = k[d];
		if (!bit_test(n->kid, o)) {
			lf = leaf_new(t, &e);
			if (!lf)
				return -ENOMEM;
			r = node_apply(t, link, KID_ADD, o, (uintptr_t)lf | 1);
			if (r < 0) {
				lpm_release(t, lf, leaf_size(t));
				return r;
			}
			if (td >= 2)
				*ret_moved = mark_moved(d, (uintptr_t)n, *link);
			t->count++;
			return 0;
		}
		slot = &node_kids(n)[kid_rank(n, o)];
		if (td >= 2)
			mark_walk(before, d, *slot);
		if (!is_leaf(*slot)) {
			link = slot;
			continue;
		}
		lf = as_leaf(*slot);
		if (lf->len == len && memcmp(lf->key, k, t->bits / 8) == 0) {
			lf->value = value;
			if (td >= 2)
				*ret_moved = false;
			return 1;
		}
		{
			struct entry old = { lf->key, lf->len, lf->value };

			r = subtree_pair(t, d + 1, &old, &e, &c);
			if (r < 0)
				return r;
		}
		*slot = c;
		lpm_release(t, lf, leaf_size(t));
		/* the slot is the link of depth d + 1 */
		if (td >= 2)
			*ret_moved = d + 1 <= 2;
		t->count++;
		return 0;
	}
}

/* The prefix a node would keep after losing prefix index gone (0: none),
 * when it keeps exactly one: rebuilt as key bytes, length and value. */
static void node_last_prefix(const struct lpm_node *n, unsigned gone, unsigned d,
			     const uint8_t *path, uint8_t *buf, unsigned nbytes, struct entry *ret)
{
	uint64_t map[8];
	unsigned w, i, l;

	memcpy(map, n->pfx, sizeof(map));
	if (gone)
		map[gone >> 6] &= ~(UINT64_C(1) << (gone & 63));
	for (w = 0; !map[w]; w++)
		;
	i = 64 * w + (unsigned)__builtin_ctzll(map[w]);
	l = 31 - (unsigned)__builtin_clz(i);
	memset(buf, 0, nbytes);
	memcpy(buf, path, d);
	if (l)
		buf[d] = (uint8_t)((i - (1u << l)) << (8 - l));
	ret->key = buf;
	ret->len = 8 * d + l;
	ret->value = node_vals(n)[pfx_rank(n, i)];
}

/* As insert_trie() for before and *ret_moved. */
static int delete_trie(struct lpm *t, const uint8_t *k, unsigned len, struct top_mark *before,
		       bool *ret_moved)
{
	uint8_t buf[16];
	uintptr_t *links[16], *slot, gone = 0, repl;
	struct lpm_node *path[16], *n;
	struct lpm_leaf *lf;
	unsigned d, depth, td, o, pos, np, nk, i, kept = 0;
	enum edit op;

	td = pfx_depth(len);
	links[0] = &t->root;
	for (d = 0;; d++) {
		n = as_node(*links[d]);
		path[d] = n;
		if (d == td) {
			pos = pfx_index(k, len);
			if (!bit_test(n->pfx, pos))
				return -ENOENT;
			op = PFX_DEL;
			break;
		}
		o = k[d];
		if (!bit_test(n->kid, o))
			return -ENOENT;
		slot = &node_kids(n)[kid_rank(n, o)];
		if (td >= 2)
			mark_walk(before, d, *slot);
		if (is_leaf(*slot)) {
			lf = as_leaf(*slot);
			if (lf->len != len || memcmp(lf->key, k, t->bits / 8) != 0)
				return -ENOENT;
			op = KID_DEL;
			pos = o;
			gone = *slot;
			break;
		}
		links[d + 1] = slot;
	}
	depth = d;

	/* Walk up while nodes would be left empty; the first node that keeps
	 * something is rebuilt or becomes a leaf. Everything is allocated
	 * before the first pointer changes. */
	for (;;) {
		n = path[d];
		np = n->npfx - (op == PFX_DEL);
		nk = n->nkid - (op == KID_DEL);
		if (d > 0 && np + nk == 0) {
			op = KID_DEL;
			pos = k[d - 1];
			d--;
			continue;
		}
		if (d > 0 && np == 1 && nk == 0) {
			struct entry e;

			node_last_prefix(n, op == PFX_DEL ? pos : 0, d, k, buf, t->bits / 8, &e);
			lf = leaf_new(t, &e);
			if (!lf)
				return -ENOMEM;
			repl = (uintptr_t)lf | 1;
		} else if (d > 0 && np == 0 && nk == 1 &&
			   is_leaf(node_kids(n)[op == KID_DEL && kid_rank(n, pos) == 0 ? 1 : 0])) {
			repl = node_kids(n)[op == KID_DEL && kid_rank(n, pos) == 0 ? 1 : 0];
		} else if (node_edit_in_place(n, op, pos, 0)) {
			repl = (uintptr_t)n;
			kept = 1;
		} else {
			struct lpm_node *m = node_edit(t, n, op, pos, 0);

			if (!m)
				return -ENOMEM;
			repl = (uintptr_t)m;
		}
		break;
	}

	*links[d] = repl;
	for (i = d + kept; i <= depth; i++)
		node_free(t, path[i]);
	subtree_free(t, gone);
	/* A leaf that replaced a node may leave its parent holding nothing
	 * but that leaf: the parent becomes the leaf too. */
	while (is_leaf(repl) && d > 1 && path[d - 1]->npfx == 0 && path[d - 1]->nkid == 1) {
		d--;
		*links[d] = repl;
		node_free(t, path[d]);
	}
	if (td >= 2)
		*ret_moved = mark_moved(d, (uintptr_t)path[d], repl);
	t->count--;
	return 0;
}

/* Descends from node n at depth d first and looks for prefixes on the way
 * back up to depth stop: the deepest node with a match decides, so most
 * lookups test the prefix bitmap of one node only, and the way down costs
 * two dependent loads a level. Returns LPM_NONE when nothing at depth >= stop
 * matched. */
static inline uint32_t walk(const struct lpm_node *n, unsigned d, unsigned stop,
			    const uint8_t *addr, unsigned *ret_len)
{
	const struct lpm_node *path[16];
	const struct lpm_leaf *lf;
	unsigned o, i;
	uint64_t w;
	uintptr_t c;

	for (;;) {
		path[d] = n;
		o = addr[d];
		w = n->kid[o >> 6];
		if (!((w >> (o & 63)) & 1))
			break;
		c = node_kids(n)[n->krank[o >> 6] + pop64(w & ((UINT64_C(1) << (o & 63)) - 1))];
		if (is_leaf(c)) {
			lf = as_leaf(c);
			if (!leaf_covers(lf, addr, d + 1))
				break;
			if (ret_len)
				*ret_len = lf->len;
			return lf->value;
		}
		n = as_node(c);
		node_prefetch(n);
		d++;
	}
	for (;;) {
		n = path[d];
		i = node_best(n, addr[d]);
		if (i) {
			if (ret_len)
				*ret_len = 8 * d + 31 - (unsigned)__builtin_clz(i);
			return node_vals(n)[pfx_rank(n, i)];
		}
		if (d == stop)
			return LPM_NONE;
		d--;
	}
}

LPM_LOOKUP_CLONES
uint32_t lpm_lookup(const struct lpm *t, const uint8_t *addr, unsigned *ret_len)
{
	unsigned len = 0;
	uint32_t v;
	uintptr_t c;

	/* the front array, its records and the direct index's plain slots, as
	 * the inline lookup reads them */
	if (lpm_lookup_fast(t, true, addr, &v, &len)) {
		if (ret_len && v != LPM_NONE)
			*ret_len = len;
		return v;
	}
	if (t->f.top && ((unsigned)addr[0] << 8 | addr[1]) - t->f.top_lo < t->f.top_n) {
		const struct lpm_top_slot *ts =
		    &t->f.top[((unsigned)addr[0] << 8 | addr[1]) - t->f.top_lo];

		c = ts->deeper;
		if (c && is_leaf(c)) {
			const struct lpm_leaf *lf = as_leaf(c);

			if (leaf_covers(lf, addr, 2)) {
				if (ret_len)
					*ret_len = lf->len;
				return lf->value;
			}
		} else if (c) {
			const struct lpm_node *n = as_node(c);
			unsigned o = addr[2], i;

			node_prefetch(n);
			/* mostly /17 to /24 with nothing below: that node
			 * decides without the general walk */
			if (!((n->kid[o >> 6] >> (o & 63)) & 1)) {
				i = node_best(n, o);
				if (i) {
					if (ret_len)
						*ret_len = 16 + 31 - (unsigned)__builtin_clz(i);
					return node_vals(n)[pfx_rank(n, i)];
				}
			} else {
				v = walk(n, 2, 2, addr, ret_len);
				if (v != LPM_NONE)
					return v;
			}
		}
		if (ts->value != LPM_NONE && ret_len)
			*ret_len = ts->len;
		return ts->value;
	}
	return walk(as_node(t->root), 0, 0, addr, ret_len);
}

uint32_t lpm_get(const struct lpm *t, const uint8_t *key, unsigned len)
{
	const struct lpm_node *n;
	const struct lpm_leaf *lf;
	uint8_t k[16];
	unsigned d, td, idx, o;
	uintptr_t c;

	if (!t || !key || len > t->bits)
		return LPM_NONE;
	key_mask(t, key, len, k);
	td = pfx_depth(len);
	n = as_node(t->root);
	for (d = 0;; d++) {
		if (d == td) {
			idx = pfx_index(k, len);
			if (!bit_test(n->pfx, idx))
				return LPM_NONE;
			return node_vals(n)[pfx_rank(n, idx)];
		}
		o = k[d];
		if (!bit_test(n->kid, o))
			return LPM_NONE;
		c = node_kids(n)[kid_rank(n, o)];
		if (is_leaf(c)) {
			lf = as_leaf(c);
			if (lf->len != len || memcmp(lf->key, k, t->bits / 8) != 0)
				return LPM_NONE;
			return lf->value;
		}
		n = as_node(c);
	}
}

size_t lpm_count(const struct lpm *t)
{
	return t ? t->count : 0;
}

size_t lpm_memory(const struct lpm *t)
{
	return t ? t->bytes : 0;
}

size_t lpm_index_memory(const struct lpm *t)
{
	size_t n = 0;
	unsigned i;

	if (!t)
		return 0;
	if (t->f.top)
		n += TOP_SIZE(t);
	if (t->front_mem)
		n += FRONT_ALLOC;
	n += t->rec_nchunk * (sizeof(*t->f.rec_dir) + sizeof(*t->rec_raw));
	for (i = 0; i < t->rec_nchunk; i++)
		n += t->rec_raw[i] ? REC_CHUNK_SIZE : 0;
	return n;
}
