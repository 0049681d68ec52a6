/*
 * crc32c: CRC-32C (Castagnoli), as PostgreSQL checksums WAL records and
 * the snappy framing format checksums its chunks.  SSE4.2's crc32
 * instruction when the CPU has it, else slicing-by-8 tables.
 */
#ifndef CNPGOPS_CRC32C_H
#define CNPGOPS_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The start value of a running CRC (PostgreSQL's INIT_CRC32C). */
#define CRC32C_INIT 0xFFFFFFFFu

/* Feed len bytes into a running crc (not yet finalised). */
uint32_t crc32c_update(uint32_t crc, const void *buf, size_t len);

/* The same, always with the tables (for tests). */
uint32_t crc32c_update_sw(uint32_t crc, const void *buf, size_t len);

/* The final value of a running crc (PostgreSQL's FIN_CRC32C). */
static inline uint32_t
crc32c_final(uint32_t crc)
{
	return crc ^ 0xFFFFFFFFu;
}

/* CRC-32C of one buffer. */
static inline uint32_t
crc32c(const void *buf, size_t len)
{
	return crc32c_final(crc32c_update(CRC32C_INIT, buf, len));
}

#endif
