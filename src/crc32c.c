/*
 * CRC-32C (polynomial 0x1EDC6F41, reflected 0x82F63B78).
 */
#include "crc32c.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CRC32C_HAVE_SSE42 1
#include <nmmintrin.h>
#endif

#include "crc32c_table.h"

#define table crc32c_table

static uint32_t
crc_sw(uint32_t crc, const unsigned char *p, size_t len)
{
	uint64_t w;

	while (len >= 8) {
		memcpy(&w, p, 8);
		w ^= crc; /* little-endian: the low four bytes take the crc */
		crc = table[7][w & 0xFF] ^ table[6][(w >> 8) & 0xFF] ^
		      table[5][(w >> 16) & 0xFF] ^ table[4][(w >> 24) & 0xFF] ^
		      table[3][(w >> 32) & 0xFF] ^ table[2][(w >> 40) & 0xFF] ^
		      table[1][(w >> 48) & 0xFF] ^ table[0][w >> 56];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xFF];
	return crc;
}

#ifdef CRC32C_HAVE_SSE42
__attribute__((target("sse4.2"))) static uint32_t
crc_hw(uint32_t crc, const unsigned char *p, size_t len)
{
	uint64_t c = crc, w;

	while (len >= 8) {
		memcpy(&w, p, 8);
		c = _mm_crc32_u64(c, w);
		p += 8;
		len -= 8;
	}
	crc = (uint32_t)c;
	while (len--)
		crc = _mm_crc32_u8(crc, *p++);
	return crc;
}
#endif

uint32_t
crc32c_update(uint32_t crc, const void *buf, size_t len)
{
#ifdef CRC32C_HAVE_SSE42
	/* libgcc's constructor has filled in the CPU model by now */
	if (__builtin_cpu_supports("sse4.2"))
		return crc_hw(crc, buf, len);
#endif
	return crc_sw(crc, buf, len);
}

/* For the unit test: the table implementation whatever the CPU has. */
uint32_t
crc32c_update_sw(uint32_t crc, const void *buf, size_t len)
{
	return crc_sw(crc, buf, len);
}
