/*
 * main.c: start-up only.  Read the settings, start the server, write the
 * URL file, wait for SIGTERM or SIGINT, stop.
 *
 * Signals are blocked before any thread starts, so every thread inherits
 * the mask and only sigwait() here sees them.  After the first, the
 * default action is restored: a second signal ends the process at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imaged/config.h"
#include "imaged/imaged.h"
#include "imaged/log.h"

#define SHUTDOWN_GRACE_MS	10000

extern char **environ;

/* Write the base URL to path whole: a temp file renamed into place. */
static int
write_url_file(const char *path, const char *url)
{
	char	 tmp[PATH_MAX + 8];
	FILE	*fp;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fp = fopen(tmp, "w")) == NULL)
		return -1;
	if (fprintf(fp, "%s\n", url) < 0 || fclose(fp) == EOF) {
		unlink(tmp);
		return -1;
	}
	return rename(tmp, path);
}

int
main(int argc, char *argv[])
{
	static struct config	 cfg;
	struct imaged		*d;
	sigset_t		 sigs;
	char			 msg[512];
	int			 first, sig;

	switch (config_load(&cfg, argc, argv, environ, &first, stdout, msg,
	    sizeof(msg))) {
	case CONFIG_EXIT:
		return EXIT_SUCCESS;
	case CONFIG_ERROR:
		fprintf(stderr, "imaged: %s\n", msg);
		return EXIT_FAILURE;
	case CONFIG_OK:
		break;
	}
	if (first < argc) {
		fprintf(stderr, "imaged: unknown command \"%s\"\n", argv[first]);
		return EXIT_FAILURE;
	}
	log_init(cfg.verbose);

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	if (imaged_start(&cfg, &d) != IMG_OK) {
		log_warnx("not started");
		return EXIT_FAILURE;
	}
	log_info("listening on %s, data in %s", imaged_url(d), d->data_dir);
	if (cfg.url_file[0] != '\0' &&
	    write_url_file(cfg.url_file, imaged_url(d)) == -1) {
		log_warn("%s", cfg.url_file);
		imaged_stop(d, 0);
		return EXIT_FAILURE;
	}

	while (sigwait(&sigs, &sig) != 0)
		;
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);
	log_info("stopping (signal %d)", sig);
	imaged_stop(d, SHUTDOWN_GRACE_MS);
	return EXIT_SUCCESS;
}
