/*
 * Progress of long waits on stderr.  On a terminal one line is redrawn in
 * place: a spinner, what is being waited for, its state and the elapsed
 * time, ticking every quarter second from a SIGALRM timer even when
 * nothing changes (a base backup can stay "running" for an hour).
 * Otherwise each state change is a plain line with the elapsed time.
 *
 * The signal handler needs the line it draws: the one piece of mutable
 * file-level state in the program, written only with SIGALRM blocked.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static struct {
	volatile sig_atomic_t active;
	int tty;
	struct timespec start;
	char text[200]; /* "backup/x running" */
	size_t len;
	unsigned tick;
	struct sigaction old;
} progress;

static double
elapsed_s(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - progress.start.tv_sec) +
	       (double)(now.tv_nsec - progress.start.tv_nsec) / 1e9;
}

/* Async-signal-safe: only write(2), clock_gettime(2) and our digits. */
static void
draw(void)
{
	static const char spin[] = "|/-\\";
	char line[256];
	size_t n = 0, i;
	long secs = (long)elapsed_s();
	char digits[24];
	int d = 0;

	line[n++] = '\r';
	line[n++] = '\033';
	line[n++] = '[';
	line[n++] = 'K';
	line[n++] = spin[progress.tick++ % 4];
	line[n++] = ' ';
	for (i = 0; i < progress.len && n < sizeof(line) - 32; i++)
		line[n++] = progress.text[i];
	line[n++] = ' ';
	line[n++] = '(';
	do {
		digits[d++] = (char)('0' + secs % 10);
		secs /= 10;
	} while (secs > 0 && d < (int)sizeof(digits));
	while (d > 0)
		line[n++] = digits[--d];
	line[n++] = 's';
	line[n++] = ')';
	(void)!write(STDERR_FILENO, line, n);
}

static void
on_alarm(int sig)
{
	(void)sig;
	if (progress.active)
		draw();
}

void
progress_start(void)
{
	struct sigaction sa;
	struct itimerval it;

	memset(&progress, 0, sizeof(progress));
	clock_gettime(CLOCK_MONOTONIC, &progress.start);
	progress.tty = isatty(STDERR_FILENO) && !getenv("NO_PROGRESS");
	if (!progress.tty)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &progress.old);
	memset(&it, 0, sizeof(it));
	it.it_interval.tv_usec = 250000;
	it.it_value.tv_usec = 250000;
	setitimer(ITIMER_REAL, &it, NULL);
}

void
progress_state(const char *what, const char *state)
{
	sigset_t block, old;
	int n;

	if (!progress.tty) {
		fprintf(stderr, "[%6.1fs] %s %s\n", elapsed_s(), what, state);
		return;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, &old);
	n = snprintf(progress.text, sizeof(progress.text), "%s %s", what,
		     state);
	progress.len = n < 0 ? 0
		       : (size_t)n >= sizeof(progress.text)
			       ? sizeof(progress.text) - 1
			       : (size_t)n;
	progress.active = 1;
	draw();
	sigprocmask(SIG_SETMASK, &old, NULL);
}

void
progress_stop(void)
{
	struct itimerval it;

	if (!progress.tty)
		return;
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	sigaction(SIGALRM, &progress.old, NULL);
	if (progress.active) {
		progress.active = 0;
		draw();
		(void)!write(STDERR_FILENO, "\n", 1);
	}
}
