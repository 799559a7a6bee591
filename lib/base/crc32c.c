/* crc32c.c: CRC-32C (see crc32c.h), by the processor's own instruction where
 * it has one, else by slicing-by-8 tables.
 *
 * SSE 4.2's crc32 instruction computes exactly this CRC (the Castagnoli
 * polynomial, bit-reflected), eight bytes a step: a store's value of a few
 * hundred bytes costs a few dozen cycles, where the tables take eight
 * lookups per eight bytes, which showed as 3-4% of the live mode's time in
 * a log in date order (README, "Performance").  Both give the same values
 * (the unit tests check known answers, and each against the other), so the
 * stored checksums do not depend on the machine. */
#include "base/crc32c.h"

#include <pthread.h>
#include <string.h>

#define POLY 0x82F63B78u /* 0x1EDC6F41, bit-reversed */

static uint32_t table[8][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;
static int have_insn;

#if defined(__x86_64__) && defined(__GNUC__)
#define CRC_INSN 1
__attribute__((target("sse4.2"))) static uint32_t crc_insn(uint32_t crc, const unsigned char *p,
							   size_t len)
{
	uint64_t c = crc;
	for (; len >= 8; p += 8, len -= 8) {
		uint64_t v;
		memcpy(&v, p, 8); /* little-endian, as the CRC reads bytes */
		c = __builtin_ia32_crc32di(c, v);
	}
	crc = (uint32_t)c;
	while (len--)
		crc = __builtin_ia32_crc32qi(crc, *p++);
	return crc;
}
#else
#define CRC_INSN 0
#endif

static void make_table(void)
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
		table[0][n] = c;
	}
	for (uint32_t n = 0; n < 256; n++)
		for (int t = 1; t < 8; t++)
			table[t][n] = (table[t - 1][n] >> 8) ^ table[0][table[t - 1][n] & 0xff];
#if CRC_INSN
	__builtin_cpu_init();
	have_insn = __builtin_cpu_supports("sse4.2");
#endif
}

uint32_t flo_crc32c_table(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;

	pthread_once(&table_once, make_table);
	crc = ~crc;
	for (; len >= 8; p += 8, len -= 8) {
		uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
				     (uint32_t)p[3] << 24);
		crc = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^
		      table[5][(lo >> 16) & 0xff] ^ table[4][lo >> 24] ^ table[3][p[4]] ^
		      table[2][p[5]] ^ table[1][p[6]] ^ table[0][p[7]];
	}
	while (len--)
		crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

uint32_t flo_crc32c(uint32_t crc, const void *data, size_t len)
{
	pthread_once(&table_once, make_table);
#if CRC_INSN
	if (have_insn)
		return ~crc_insn(~crc, data, len);
#endif
	return flo_crc32c_table(crc, data, len);
}
