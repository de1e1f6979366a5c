/* SPDX-License-Identifier: GPL-2.0 */
/* Turning numbers into what people read: sizes, user names, times. */
#ifndef SABUF_CLI_FORMAT_H
#define SABUF_CLI_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* "12.1 KiB", "4 MiB", "100 B": powers of 1024, one decimal when inexact. */
void format_iec(char *out, size_t size, uint64_t bytes);

/* "12345 (12.1 KiB)": exact bytes, then the IEC form from 1 KiB up. */
void format_size(char *out, size_t size, uint64_t bytes);

/* The user name of @uid, or NULL when the user database has none. */
const char *user_name(uint32_t uid);

/* "root", or the number when the uid has no name. */
void format_user(char *out, size_t size, uint32_t uid);

/* "2024-11-26 18:49:03" in local time, from CLOCK_REALTIME nanoseconds. */
void format_local_time(char *out, size_t size, uint64_t realtime_ns);

/* "2024-11-26T18:49:03.123Z" (RFC 3339, UTC, milliseconds). */
void format_utc_time(char *out, size_t size, uint64_t realtime_ns);

#endif /* SABUF_CLI_FORMAT_H */
