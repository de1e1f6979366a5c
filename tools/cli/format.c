// SPDX-License-Identifier: GPL-2.0
/* Sizes, user names and times as the table and JSON outputs show them. */
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <time.h>

#include "format.h"

#define NSEC_PER_SEC	1000000000ull

void format_iec(char *out, size_t size, uint64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned int unit = 0;
	uint64_t scale = 1;
	double value;

	while (unit + 1 < sizeof(units) / sizeof(units[0]) && bytes / scale >= 1024) {
		scale *= 1024;
		unit++;
	}
	if (bytes % scale == 0) {
		snprintf(out, size, "%" PRIu64 " %s", bytes / scale, units[unit]);
		return;
	}
	value = (double)bytes / (double)scale;
	/* 1048575 bytes would print as "1024.0 KiB": say "1.0 MiB" instead. */
	if (value >= 1023.95 && unit + 1 < sizeof(units) / sizeof(units[0])) {
		value /= 1024;
		unit++;
	}
	snprintf(out, size, "%.1f %s", value, units[unit]);
}

void format_size(char *out, size_t size, uint64_t bytes)
{
	char iec[32];

	if (bytes < 1024) {
		snprintf(out, size, "%" PRIu64, bytes);
		return;
	}
	format_iec(iec, sizeof(iec), bytes);
	snprintf(out, size, "%" PRIu64 " (%s)", bytes, iec);
}

const char *user_name(uint32_t uid)
{
	struct passwd *pw = getpwuid((uid_t)uid);

	return pw ? pw->pw_name : NULL;
}

void format_user(char *out, size_t size, uint32_t uid)
{
	const char *name = user_name(uid);

	if (name)
		snprintf(out, size, "%s", name);
	else
		snprintf(out, size, "%" PRIu32, uid);
}

void format_local_time(char *out, size_t size, uint64_t realtime_ns)
{
	time_t sec = (time_t)(realtime_ns / NSEC_PER_SEC);
	struct tm tm;

	if (!localtime_r(&sec, &tm) || !strftime(out, size, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(out, size, "%" PRIu64, realtime_ns);
}

void format_utc_time(char *out, size_t size, uint64_t realtime_ns)
{
	time_t sec = (time_t)(realtime_ns / NSEC_PER_SEC);
	unsigned int ms = (unsigned int)(realtime_ns % NSEC_PER_SEC / 1000000);
	char date[32];
	struct tm tm;

	if (!gmtime_r(&sec, &tm) || !strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(out, size, "%" PRIu64, realtime_ns);
		return;
	}
	snprintf(out, size, "%s.%03uZ", date, ms);
}
