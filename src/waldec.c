/*
 * PostgreSQL WAL decoding (13 to 17): pages, records, the main data of
 * transaction and XLOG records.  The layouts are PostgreSQL's on-disk
 * format (little-endian, MAXALIGN 8), read field by field, never through
 * casts of the buffers.
 */
#include "waldec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "errors.h"
#include "xmalloc.h"

#define MAXALIGN(x) (((x) + 7) & ~(uint64_t)7)

#define SHORT_PHD			  24
#define LONG_PHD			  40
#define REC_HDR				  24
#define XLP_FIRST_IS_CONTRECORD		  0x0001
#define XLP_LONG_HEADER			  0x0002
#define XLP_FIRST_IS_OVERWRITE_CONTRECORD 0x0008
#define XLP_ALL_FLAGS			  0x000F

#define RM_XLOG	       0
#define RM_XACT	       1
#define RM_MAX_BUILTIN 21
#define RM_MIN_CUSTOM  128

#define XLOG_SWITCH	     0x40
#define XLOG_RESTORE_POINT   0x70
#define XACT_OPMASK	     0x70
#define XACT_HAS_INFO	     0x80
#define XACT_COMMIT	     0x00
#define XACT_ABORT	     0x20
#define XACT_COMMIT_PREPARED 0x30
#define XACT_ABORT_PREPARED  0x40

#define XINFO_HAS_DBINFO	  (1u << 0)
#define XINFO_HAS_SUBXACTS	  (1u << 1)
#define XINFO_HAS_RELFILELOCATORS (1u << 2)
#define XINFO_HAS_INVALS	  (1u << 3)
#define XINFO_HAS_TWOPHASE	  (1u << 4)
#define XINFO_HAS_DROPPED_STATS	  (1u << 8)

#define BKPBLOCK_HAS_IMAGE	  0x10
#define BKPBLOCK_SAME_REL	  0x80
#define XLR_MAX_BLOCK_ID	  32
#define XLR_BLOCK_ID_DATA_SHORT	  255
#define XLR_BLOCK_ID_DATA_LONG	  254
#define XLR_BLOCK_ID_ORIGIN	  253
#define XLR_BLOCK_ID_TOPLEVEL_XID 252

/* Records of XLOG and XACT up to this size are kept to be decoded. */
#define KEEP_MAX (4u << 20)
/* The head of a record continued from before the start. */
#define HEAD_MAX (1u << 20)

/* Seconds from 1970-01-01 to 2000-01-01. */
#define PG_EPOCH_UNIX 946684800LL

static const struct {
	uint16_t magic;
	int version;
} magics[] = {
	{ 0xD106, 13 }, { 0xD10D, 14 }, { 0xD110, 15 },
	{ 0xD113, 16 }, { 0xD116, 17 },
};

struct waldec {
	uint64_t segsize;
	uint32_t blcksz; /* from the first long page header */
	waldec_event_fn event;
	void *data;

	/* pages */
	unsigned char *page;
	size_t page_have;
	uint64_t page_lsn; /* LSN of the page being filled */
	uint32_t last_tli;
	int started; /* a page has been processed */
	uint64_t skip_to; /* after a switch: ignore pages before this */

	/* the head: a record continued from before the start */
	int in_head;
	uint32_t head_left;
	unsigned char *head;
	size_t head_len;
	int head_lost;

	/* the record being assembled */
	int in_rec;
	uint64_t rec_lsn;
	uint32_t tot_len, have;
	unsigned char hdr[REC_HDR];
	uint32_t crc; /* running, over the bytes after the header */
	unsigned char *keep; /* the whole record, when kept */
	size_t keep_cap;
	int keeping;

	uint64_t next_lsn; /* where the next record starts */
	uint64_t prev_lsn; /* the last valid record, 0 if none */

	struct waldec_status st;
};

static uint16_t
rd16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t
rd64(const unsigned char *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

void
waldec_time_unix(int64_t pgtime, int64_t *sec, int32_t *usec)
{
	int64_t s = pgtime / 1000000, us = pgtime % 1000000;

	if (us < 0) {
		us += 1000000;
		s--;
	}
	*sec = s + PG_EPOCH_UNIX;
	*usec = (int32_t)us;
}

struct waldec *
waldec_new(uint64_t start_lsn, uint64_t segsize, waldec_event_fn event,
	   void *data)
{
	struct waldec *d = xcalloc(1, sizeof(*d));

	d->segsize = segsize;
	d->event = event;
	d->data = data;
	d->page_lsn = start_lsn;
	d->next_lsn = start_lsn;
	d->blcksz = 8192;
	d->page = xmalloc(65536);
	return d;
}

void
waldec_free(struct waldec *d)
{
	if (!d)
		return;
	free(d->page);
	free(d->head);
	free(d->keep);
	free(d);
}

static void
lsn_str(char *buf, size_t len, uint64_t lsn)
{
	snprintf(buf, len, "%X/%X", (unsigned)(lsn >> 32), (unsigned)lsn);
}

static void
stop_invalid(struct waldec *d, uint64_t lsn, const char *what)
{
	char l[32];

	lsn_str(l, sizeof(l), lsn);
	d->st.end = WALDEC_END_INVALID;
	d->st.end_lsn = lsn;
	snprintf(d->st.reason, sizeof(d->st.reason), "%s at %s", what, l);
}

static void
stop_zeros(struct waldec *d, uint64_t lsn)
{
	d->st.end = WALDEC_END_ZEROS;
	d->st.end_lsn = lsn;
}

/* The main data of a kept record: its offset and length. */
static int
main_data(const struct waldec *d, const unsigned char *rec, uint32_t tot,
	  const unsigned char **out, uint32_t *out_len)
{
	uint32_t off = REC_HDR, datatotal = 0, main_len = 0;

	while (tot - off > datatotal) {
		unsigned id = rec[off++];

		if (id == XLR_BLOCK_ID_DATA_SHORT ||
		    id == XLR_BLOCK_ID_DATA_LONG) {
			if (id == XLR_BLOCK_ID_DATA_SHORT) {
				if (tot - off < 1)
					return -1;
				main_len = rec[off++];
			} else {
				if (tot - off < 4)
					return -1;
				main_len = rd32(rec + off);
				off += 4;
			}
			datatotal += main_len;
			break;
		} else if (id == XLR_BLOCK_ID_ORIGIN) {
			off += 2;
		} else if (id == XLR_BLOCK_ID_TOPLEVEL_XID) {
			off += 4;
		} else if (id <= XLR_MAX_BLOCK_ID) {
			unsigned flags;

			if (tot - off < 3)
				return -1;
			flags = rec[off];
			datatotal += rd16(rec + off + 1);
			off += 3;
			if (flags & BKPBLOCK_HAS_IMAGE) {
				unsigned info;
				int compressed;

				if (tot - off < 5)
					return -1;
				datatotal += rd16(rec + off);
				info = rec[off + 4];
				off += 5;
				compressed = d->st.version >= 15
						     ? (info & 0x1C) != 0
						     : (info & 0x02) != 0;
				if (compressed && (info & 0x01))
					off += 2;
			}
			if (!(flags & BKPBLOCK_SAME_REL))
				off += 12;
			off += 4;
		} else {
			return -1;
		}
		if (off > tot)
			return -1;
	}
	if (off + datatotal != tot)
		return -1;
	*out = rec + tot - main_len;
	*out_len = main_len;
	return 0;
}

/* Skip a counted array of n elements of size each in [*p, end). */
static int
skip_array(const unsigned char **p, const unsigned char *end, size_t size)
{
	int32_t n;

	if (end - *p < 4)
		return -1;
	n = (int32_t)rd32(*p);
	*p += 4;
	if (n < 0 || (size_t)(end - *p) / size < (size_t)n)
		return -1;
	*p += (size_t)n * size;
	return 0;
}

static int
decode_xact(const struct waldec *d, const unsigned char *rec, uint32_t tot,
	    struct wal_event *ev)
{
	unsigned info = rec[16], op = info & XACT_OPMASK;
	const unsigned char *p, *end;
	uint32_t len, xinfo = 0;
	int commit = op == XACT_COMMIT || op == XACT_COMMIT_PREPARED;

	if (op != XACT_COMMIT && op != XACT_ABORT &&
	    op != XACT_COMMIT_PREPARED && op != XACT_ABORT_PREPARED)
		return 0;
	if (main_data(d, rec, tot, &p, &len) || len < 8)
		return -1;
	end = p + len;
	ev->kind = op == XACT_COMMIT		? WAL_COMMIT
		   : op == XACT_ABORT		? WAL_ABORT
		   : op == XACT_COMMIT_PREPARED ? WAL_COMMIT_PREPARED
						: WAL_ABORT_PREPARED;
	ev->time = (int64_t)rd64(p);
	ev->xid = rd32(rec + 4);
	p += 8;
	if (info & XACT_HAS_INFO) {
		if (end - p < 4)
			return -1;
		xinfo = rd32(p);
		p += 4;
	}
	if (xinfo & XINFO_HAS_DBINFO) {
		if (end - p < 8)
			return -1;
		p += 8;
	}
	if ((xinfo & XINFO_HAS_SUBXACTS) && skip_array(&p, end, 4))
		return -1;
	if ((xinfo & XINFO_HAS_RELFILELOCATORS) && skip_array(&p, end, 12))
		return -1;
	if ((xinfo & XINFO_HAS_DROPPED_STATS) && skip_array(&p, end, 12))
		return -1;
	if (commit && (xinfo & XINFO_HAS_INVALS) && skip_array(&p, end, 16))
		return -1;
	if (xinfo & XINFO_HAS_TWOPHASE) {
		if (end - p < 4)
			return -1;
		ev->xid = rd32(p);
	}
	return 1;
}

static int
decode_xlog(const struct waldec *d, const unsigned char *rec, uint32_t tot,
	    struct wal_event *ev)
{
	const unsigned char *p;
	uint32_t len;

	if ((rec[16] & 0xF0) != XLOG_RESTORE_POINT)
		return 0;
	if (main_data(d, rec, tot, &p, &len) || len < 8 + 64)
		return -1;
	ev->kind = WAL_RESTORE_POINT;
	ev->time = (int64_t)rd64(p);
	memcpy(ev->name, p + 8, 64);
	ev->name[63] = '\0';
	return 1;
}

/* The record is complete: check it, report it, move on. */
static int
rec_done(struct waldec *d, struct error *err)
{
	uint32_t crc = crc32c_final(crc32c_update(d->crc, d->hdr, 20));
	unsigned rmid = d->hdr[17];
	struct wal_event ev;
	int rc = 0;

	d->in_rec = 0;
	if (crc != rd32(d->hdr + 20)) {
		stop_invalid(d, d->rec_lsn,
			     "incorrect resource manager data checksum");
		return 0;
	}
	memset(&ev, 0, sizeof(ev));
	ev.lsn = d->rec_lsn;
	ev.end_lsn = MAXALIGN(d->rec_lsn + d->tot_len);
	ev.tli = d->last_tli;
	if (d->keeping) {
		int got = rmid == RM_XACT
				  ? decode_xact(d, d->keep, d->tot_len, &ev)
				  : decode_xlog(d, d->keep, d->tot_len, &ev);

		if (got < 0) {
			stop_invalid(d, d->rec_lsn, "malformed record");
			return 0;
		}
		if (got && d->event)
			rc = d->event(d->data, &ev, err);
	}
	d->st.records++;
	d->prev_lsn = d->rec_lsn;
	d->next_lsn = MAXALIGN(d->rec_lsn + d->tot_len);
	if (rmid == RM_XLOG && (d->hdr[16] & 0xF0) == XLOG_SWITCH) {
		/* the rest of the segment is unused */
		d->next_lsn = (d->rec_lsn / d->segsize + 1) * d->segsize;
		d->skip_to = d->next_lsn;
	}
	return rc;
}

/* The header is complete: check it before reading the rest. */
static int
rec_header_ok(struct waldec *d)
{
	unsigned rmid = d->hdr[17];

	if (rmid > RM_MAX_BUILTIN &&
	    (d->st.version < 15 || rmid < RM_MIN_CUSTOM)) {
		stop_invalid(d, d->rec_lsn, "invalid resource manager id");
		return 0;
	}
	if (d->prev_lsn && rd64(d->hdr + 8) != d->prev_lsn) {
		stop_invalid(d, d->rec_lsn, "record with incorrect prev-link");
		return 0;
	}
	d->keeping =
		(rmid == RM_XACT || rmid == RM_XLOG) && d->tot_len <= KEEP_MAX;
	if (d->keeping) {
		if (d->keep_cap < d->tot_len) {
			free(d->keep);
			d->keep_cap = d->tot_len < 8192 ? 8192 : d->tot_len;
			d->keep = xmalloc(d->keep_cap);
		}
		memcpy(d->keep, d->hdr, REC_HDR);
	}
	return 1;
}

/* Add n bytes of the record being assembled. */
static int
rec_add(struct waldec *d, const unsigned char *p, uint32_t n, struct error *err)
{
	if (d->have < REC_HDR) {
		uint32_t h = REC_HDR - d->have < n ? REC_HDR - d->have : n;

		memcpy(d->hdr + d->have, p, h);
		d->have += h;
		p += h;
		n -= h;
		if (d->have < REC_HDR)
			return 0;
		if (!rec_header_ok(d))
			return 0;
	}
	if (n) {
		d->crc = crc32c_update(d->crc, p, n);
		if (d->keeping)
			memcpy(d->keep + d->have, p, n);
		d->have += n;
	}
	if (d->have == d->tot_len)
		return rec_done(d, err);
	return 0;
}

static int
all_zero(const unsigned char *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

static int
magic_version(uint16_t magic)
{
	size_t i;

	for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (magics[i].magic == magic)
			return magics[i].version;
	return 0;
}

/* Check a page header; its size into *hsize. */
static int
page_ok(struct waldec *d, const unsigned char *pg, uint32_t *hsize)
{
	uint16_t magic = rd16(pg), info = rd16(pg + 2);
	uint32_t tli = rd32(pg + 4);
	int version = magic_version(magic),
	    first = d->page_lsn % d->segsize == 0;

	if (!version) {
		if (all_zero(pg, d->blcksz))
			stop_zeros(d, d->page_lsn);
		else
			stop_invalid(d, d->page_lsn, "invalid magic number");
		return 0;
	}
	if (d->st.version && version != d->st.version) {
		stop_invalid(d, d->page_lsn, "WAL of another version");
		return 0;
	}
	if (info & ~XLP_ALL_FLAGS) {
		stop_invalid(d, d->page_lsn, "invalid info bits");
		return 0;
	}
	if (rd64(pg + 8) != d->page_lsn) {
		stop_invalid(d, d->page_lsn, "unexpected pageaddr");
		return 0;
	}
	if (first != !!(info & XLP_LONG_HEADER)) {
		stop_invalid(d, d->page_lsn,
			     first ? "no long page header at a segment start"
				   : "unexpected long page header");
		return 0;
	}
	if (first) {
		uint64_t sysid = rd64(pg + 24);

		if (rd32(pg + 32) != d->segsize) {
			stop_invalid(d, d->page_lsn,
				     "WAL segment size differs from the "
				     "catalog's");
			return 0;
		}
		if (d->st.sysid && sysid != d->st.sysid) {
			stop_invalid(d, d->page_lsn,
				     "WAL of another database system");
			return 0;
		}
		d->st.sysid = sysid;
	}
	if (tli < d->last_tli) {
		stop_invalid(d, d->page_lsn, "out-of-sequence timeline");
		return 0;
	}
	d->last_tli = tli;
	d->st.version = version;
	*hsize = first ? LONG_PHD : SHORT_PHD;
	return 1;
}

/* A whole page is in d->page: decode what it holds. */
static int
page_process(struct waldec *d, struct error *err)
{
	const unsigned char *pg = d->page;
	uint64_t page_end = d->page_lsn + d->blcksz, pos;
	uint32_t hsize, rem;
	uint16_t info;

	if (d->skip_to > d->page_lsn)
		return 0;
	if (!page_ok(d, pg, &hsize))
		return 0;
	info = rd16(pg + 2);
	rem = rd32(pg + 16);
	pos = d->page_lsn + hsize;
	if (!d->started) {
		d->started = 1;
		if (info & XLP_FIRST_IS_CONTRECORD) {
			d->in_head = 1;
			d->head_left = rem;
		}
	}
	if (d->in_head) {
		uint32_t n;

		if (!(info & XLP_FIRST_IS_CONTRECORD) || rem != d->head_left) {
			stop_invalid(d, pos, "invalid contrecord length");
			return 0;
		}
		n = page_end - pos < rem ? (uint32_t)(page_end - pos) : rem;
		if (!d->head_lost && d->head_len + n <= HEAD_MAX) {
			d->head = xrealloc(d->head, d->head_len + n);
			memcpy(d->head + d->head_len, pg + hsize, n);
			d->head_len += n;
		} else {
			d->head_lost = 1;
		}
		d->head_left -= n;
		pos += n;
		if (d->head_left)
			return 0;
		d->in_head = 0;
		d->next_lsn = MAXALIGN(pos);
	} else if (d->in_rec) {
		uint32_t n;

		if (info & XLP_FIRST_IS_OVERWRITE_CONTRECORD) {
			/* the partial record was abandoned; a new one starts */
			d->in_rec = 0;
			d->next_lsn = pos;
		} else if (!(info & XLP_FIRST_IS_CONTRECORD) ||
			   rem != d->tot_len - d->have) {
			stop_invalid(d, pos, "invalid contrecord length");
			return 0;
		} else {
			n = page_end - pos < rem ? (uint32_t)(page_end - pos)
						 : rem;
			if (rec_add(d, pg + hsize, n, err))
				return -1;
			if (d->st.end)
				return 0;
			pos += n;
			if (d->in_rec)
				return 0;
		}
	} else if (info & XLP_FIRST_IS_CONTRECORD) {
		stop_invalid(d, pos, "unexpected contrecord");
		return 0;
	}
	if (d->next_lsn < pos)
		d->next_lsn = MAXALIGN(pos);
	while (!d->st.end && !d->in_rec && d->next_lsn + 4 <= page_end &&
	       d->skip_to <= d->page_lsn) {
		const unsigned char *p = pg + (d->next_lsn - d->page_lsn);
		uint32_t tot = rd32(p), n;

		if (tot == 0) {
			stop_zeros(d, d->next_lsn);
			return 0;
		}
		if (tot < REC_HDR) {
			stop_invalid(d, d->next_lsn, "invalid record length");
			return 0;
		}
		d->in_rec = 1;
		d->rec_lsn = d->next_lsn;
		d->tot_len = tot;
		d->have = 0;
		d->keeping = 0;
		d->crc = CRC32C_INIT;
		n = page_end - d->next_lsn < tot
			    ? (uint32_t)(page_end - d->next_lsn)
			    : tot;
		if (rec_add(d, p, n, err))
			return -1;
	}
	return 0;
}

int
waldec_feed(struct waldec *d, const void *buf, size_t len, struct error *err)
{
	const unsigned char *p = buf;

	while (len && !d->st.end) {
		size_t n = d->blcksz - d->page_have;

		if (n > len)
			n = len;
		memcpy(d->page + d->page_have, p, n);
		d->page_have += n;
		p += n;
		len -= n;
		if (d->page_have < d->blcksz)
			break;
		if (!d->started && d->page_lsn % d->segsize == 0 &&
		    magic_version(rd16(d->page))) {
			uint32_t bs = rd32(d->page + 36);

			/* the block size, before the page is taken as one */
			if (bs != d->blcksz) {
				if (bs < 1024 || bs > 65536 ||
				    (bs & (bs - 1))) {
					stop_invalid(d, d->page_lsn,
						     "invalid WAL block size");
					break;
				}
				d->blcksz = bs;
				continue;
			}
		}
		if (page_process(d, err))
			return -1;
		d->page_lsn += d->blcksz;
		d->page_have = 0;
	}
	return 0;
}

int
waldec_continue(struct waldec *d, const struct waldec *next, struct error *err)
{
	if (!d->in_rec || d->st.end || !next->head || next->head_lost ||
	    next->in_head || d->have + next->head_len != d->tot_len)
		return 0;
	return rec_add(d, next->head, (uint32_t)next->head_len, err);
}

void
waldec_status(const struct waldec *d, struct waldec_status *out)
{
	*out = d->st;
	out->last_lsn = d->prev_lsn;
	out->next_lsn = d->next_lsn;
	out->pending = d->in_rec;
}

const unsigned char *
waldec_head(const struct waldec *d, size_t *len)
{
	if (!d->head || d->head_lost || d->in_head) {
		*len = 0;
		return NULL;
	}
	*len = d->head_len;
	return d->head;
}
