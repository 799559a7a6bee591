/* orderrec.c: an order as the order log keeps it (see orderrec.h). */
#include "store/orderrec.h"

#include <string.h>

#include "base/err.h"
#include "rfm/kept.h"

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

size_t flo_orderrec_size(const struct flo_orderrec *r)
{
	return FLO_ORDERREC_FIXED + r->id_len + r->kept_len;
}

void flo_orderrec_encode(const struct flo_orderrec *r, unsigned char *out)
{
	uint64_t bits;
	memcpy(&bits, &r->amount, 8);
	out[0] = (unsigned char)(r->is_return != 0);
	put64(out + 1, (uint64_t)r->time);
	put64(out + 9, bits);
	put64(out + 17, r->id_hash);
	put64(out + 25, r->line);
	out[33] = (unsigned char)r->id_len;
	out[34] = (unsigned char)(r->id_len >> 8);
	memcpy(out + FLO_ORDERREC_FIXED, r->id, r->id_len);
	if (r->kept_len)
		memcpy(out + FLO_ORDERREC_FIXED + r->id_len, r->kept, r->kept_len);
}

int flo_orderrec_decode(const unsigned char *p, size_t len, size_t nkeep,
			struct flo_orderrec *r)
{
	if (len < FLO_ORDERREC_FIXED || p[0] > 1)
		return FLO_EVALUE;
	uint64_t bits = get64(p + 9);
	r->is_return = p[0];
	r->time = (int64_t)get64(p + 1);
	memcpy(&r->amount, &bits, 8);
	r->id_hash = get64(p + 17);
	r->line = get64(p + 25);
	r->id_len = (size_t)p[33] | (size_t)p[34] << 8;
	if (r->id_len == 0 || len - FLO_ORDERREC_FIXED < r->id_len)
		return FLO_EVALUE;
	r->id = (const char *)p + FLO_ORDERREC_FIXED;
	if (r->id[0] == '\0')
		return FLO_EVALUE;
	r->kept = p + FLO_ORDERREC_FIXED + r->id_len;
	r->kept_len = len - FLO_ORDERREC_FIXED - r->id_len;
	if (!flo_kept_well_formed(r->kept, r->kept_len, nkeep))
		return FLO_EVALUE;
	if (r->kept_len == 0)
		r->kept = NULL;
	return FLO_OK;
}

void flo_orderrec_put_len(unsigned char *p, uint32_t n)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(n >> (8 * i));
}

uint32_t flo_orderrec_get_len(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int flo_orderrec_check(const unsigned char *p, size_t len, size_t nkeep)
{
	struct flo_orderrec r;
	size_t off = 0;
	if (len == 0)
		return FLO_EVALUE;
	while (off < len) {
		if (len - off < 4)
			return FLO_EVALUE;
		size_t n = flo_orderrec_get_len(p + off);
		if (len - off - 4 < n || flo_orderrec_decode(p + off + 4, n, nkeep, &r) != FLO_OK)
			return FLO_EVALUE;
		off += 4 + n;
	}
	return FLO_OK;
}

int flo_orderrec_next(const unsigned char *p, size_t len, size_t nkeep, size_t *off,
		      struct flo_orderrec *r)
{
	if (*off >= len)
		return 0;
	size_t n = flo_orderrec_get_len(p + *off);
	flo_orderrec_decode(p + *off + 4, n, nkeep, r);
	*off += 4 + n;
	return 1;
}
