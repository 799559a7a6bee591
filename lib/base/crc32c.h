/* crc32c.h: CRC-32C (Castagnoli), the checksum of the store's values.
 *
 * CRC-32C (polynomial 0x1EDC6F41, reflected, as iSCSI, ext4 and LevelDB use
 * it) detects every error burst of up to 32 bits and every odd number of
 * flipped bits, which a 64-bit hash does not promise. */
#ifndef FLO_CRC32C_H
#define FLO_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The CRC of len bytes, continuing from crc (0 to begin):
 * flo_crc32c(flo_crc32c(0, a, n), b, m) is the CRC of a then b.
 * The check value of "123456789" is 0xE3069283 (RFC 3720, B.4). */
uint32_t flo_crc32c(uint32_t crc, const void *data, size_t len);

/* The same by tables alone, whatever the processor has: for the tests,
 * which check the two agree. */
uint32_t flo_crc32c_table(uint32_t crc, const void *data, size_t len);

#endif
