/*
 * hload.c: a small HTTP/1.1 client for the benchmarks wrk does not fit:
 * uploads of one fixed body (keeping the ids the server hands back),
 * deletes of those ids, and the time from exec to the first 200.  One
 * thread and one keep-alive connection per client; each request is built
 * once, so a client costs little more than its syscalls.  Not linked with
 * imaged's sources.
 *
 *	hload upload BASE PATH CTYPE BODYFILE CLIENTS LIMIT [IDS_OUT]
 *		POST BODYFILE to BASE PATH; LIMIT is a duration ("3s") or a
 *		number of uploads.  Ids of 2xx answers go to IDS_OUT.
 *	hload delete BASE IDSFILE CLIENTS [SECONDS]
 *		DELETE /images/{id} for each line of IDSFILE, stopping after
 *		SECONDS if given.
 *	hload startup IMAGED DIR RUNS [DATA_DIR]
 *		start IMAGED on port 0 RUNS times, on a fresh ephemeral data
 *		folder under DIR or else on DATA_DIR; time exec to the first
 *		200 on /healthz; read VmRSS when idle.
 *	hload freeport
 *		print a TCP port on 127.0.0.1 that was free a moment ago.
 *
 * upload and delete print "RATE MBS OK BAD STATUS SECONDS": 2xx answers
 * per second, request body MB (10^6 B) per second of 2xx answers, counts,
 * and the last non-2xx status (0 if none, -1 for a transport error).
 * startup prints "MEDIAN_MS MIN_MS MAX_MS RSS_KIB".
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MAXCLIENTS	64
#define RBUFSZ		(64 * 1024)
#define IDMAX		64
#define MAXRUNS		50

struct target {
	char	host[256];
	char	port[16];
};

struct load {
	struct target	 t;
	char		*req;		/* upload: whole request, built once */
	size_t		 reqlen;
	size_t		 bodylen;
	char		(*ids)[IDMAX];	/* delete: the ids to delete */
	size_t		 nids;
	atomic_ulong	 next;		/* next request number to claim */
	unsigned long	 count;		/* stop after this many; 0: no limit */
	double		 deadline;	/* seconds to run, then when; 0: none */
	FILE		*idsout;
	pthread_mutex_t	 idslock;
};

struct client {
	struct load	*ld;
	int		 fd;
	unsigned long	 ok, bad;
	int		 status;
	char		*rbuf;
};

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
parse_base(const char *base, struct target *t)
{
	const char	*h, *colon, *end;
	size_t		 n;

	if (strncmp(base, "http://", 7) != 0)
		return -1;
	h = base + 7;
	end = h + strcspn(h, "/");
	if ((colon = memchr(h, ':', (size_t)(end - h))) == NULL)
		return -1;
	n = (size_t)(colon - h);
	if (n == 0 || n >= sizeof(t->host) ||
	    (size_t)(end - colon - 1) >= sizeof(t->port))
		return -1;
	memcpy(t->host, h, n);
	t->host[n] = '\0';
	n = (size_t)(end - colon - 1);
	memcpy(t->port, colon + 1, n);
	t->port[n] = '\0';
	return 0;
}

static int
dial(const struct target *t)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	int		 fd = -1, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(t->host, t->port, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static int
send_all(int fd, const char *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		if ((w = send(fd, p, n, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Reads one response into buf (RBUFSZ bytes; a longer body is read and
 * dropped past that).  Returns the status, or -1; *body and *bodylen give
 * the kept part of the body, *closing whether the server ends the
 * connection after it.
 */
static int
read_response(int fd, char *buf, const char **body, size_t *bodylen,
    int *closing)
{
	char		*hend = NULL, *line, *eol;
	size_t		 have = 0, hlen, clen = 0, kept;
	ssize_t		 r;
	int		 status, chunked = 0;

	*closing = 0;
	while (hend == NULL) {
		if (have == RBUFSZ - 1)
			return -1;
		r = recv(fd, buf + have, RBUFSZ - 1 - have, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		have += (size_t)r;
		buf[have] = '\0';
		hend = strstr(buf, "\r\n\r\n");
	}
	hlen = (size_t)(hend - buf) + 4;
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	for (line = strstr(buf, "\r\n") + 2; line < hend; line = eol + 2) {
		eol = strstr(line, "\r\n");
		if (strncasecmp(line, "content-length:", 15) == 0)
			clen = strtoul(line + 15, NULL, 10);
		else if (strncasecmp(line, "connection:", 11) == 0 &&
		    strstr(line, "close") != NULL &&
		    strstr(line, "close") < eol)
			*closing = 1;
		else if (strncasecmp(line, "transfer-encoding:", 18) == 0)
			chunked = 1;
	}
	if (chunked)
		return -1;	/* imaged's JSON answers all carry a length */
	kept = have - hlen;
	while (kept < clen) {
		if (hlen + kept < RBUFSZ - 1)
			r = recv(fd, buf + hlen + kept,
			    RBUFSZ - 1 - hlen - kept, 0);
		else {
			char	sink[16384];

			r = recv(fd, sink, sizeof(sink), 0);
			if (r > 0) {
				clen -= (size_t)r;
				continue;
			}
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		kept += (size_t)r;
	}
	buf[hlen + kept] = '\0';
	*body = buf + hlen;
	*bodylen = kept;
	return status;
}

/* Copies the value of "image_id" from a JSON record into id. */
static int
find_id(const char *body, char id[IDMAX])
{
	const char	*p;
	size_t		 n;

	if ((p = strstr(body, "\"image_id\"")) == NULL)
		return -1;
	p += strlen("\"image_id\"");
	p += strspn(p, " \t:");
	if (*p++ != '"')
		return -1;
	n = strcspn(p, "\"");
	if (n == 0 || n >= IDMAX || p[n] != '"')
		return -1;
	memcpy(id, p, n);
	id[n] = '\0';
	return 0;
}

/* Sends one request and reads its answer; reconnects as needed. */
static void
exchange(struct client *c, const char *req, size_t reqlen)
{
	struct load	*ld = c->ld;
	const char	*body = NULL;
	size_t		 bodylen = 0;
	char		 id[IDMAX];
	int		 status, closing = 1, sent;

	if (c->fd < 0 && (c->fd = dial(&ld->t)) < 0) {
		c->bad++;
		c->status = -1;
		usleep(1000);
		return;
	}
	/* A server that refuses early (413) may close before reading all. */
	sent = send_all(c->fd, req, reqlen);
	status = read_response(c->fd, c->rbuf, &body, &bodylen, &closing);
	if (status >= 200 && status < 300 && sent == 0) {
		c->ok++;
		if (ld->idsout != NULL && find_id(body, id) == 0) {
			pthread_mutex_lock(&ld->idslock);
			fprintf(ld->idsout, "%s\n", id);
			pthread_mutex_unlock(&ld->idslock);
		}
	} else {
		c->bad++;
		c->status = status;
	}
	if (status < 0 || closing) {
		close(c->fd);
		c->fd = -1;
	}
}

static void *
client_loop(void *arg)
{
	struct client	*c = arg;
	struct load	*ld = c->ld;
	unsigned long	 n;
	char		 req[512];
	int		 len;

	for (;;) {
		if (ld->deadline != 0 && now() >= ld->deadline)
			break;
		n = atomic_fetch_add(&ld->next, 1);
		if (ld->count != 0 && n >= ld->count)
			break;
		if (ld->ids == NULL) {
			exchange(c, ld->req, ld->reqlen);
			continue;
		}
		len = snprintf(req, sizeof(req),
		    "DELETE /images/%s HTTP/1.1\r\nHost: %s:%s\r\n\r\n",
		    ld->ids[n], ld->t.host, ld->t.port);
		if (len > 0 && (size_t)len < sizeof(req))
			exchange(c, req, (size_t)len);
	}
	if (c->fd >= 0)
		close(c->fd);
	return NULL;
}

static int
run_clients(struct load *ld, int nclients)
{
	struct client	 cl[MAXCLIENTS];
	pthread_t	 th[MAXCLIENTS];
	unsigned long	 ok = 0, bad = 0;
	double		 t0, secs;
	int		 k, started = 0, status = 0, ret = 1;

	t0 = now();
	if (ld->deadline != 0)
		ld->deadline += t0;
	for (k = 0; k < nclients; k++) {
		cl[k] = (struct client){ .ld = ld, .fd = -1 };
		if ((cl[k].rbuf = malloc(RBUFSZ)) == NULL)
			goto done;
		if (pthread_create(&th[k], NULL, client_loop, &cl[k]) != 0) {
			free(cl[k].rbuf);
			goto done;
		}
		started++;
	}
	ret = 0;
done:
	for (k = 0; k < started; k++) {
		pthread_join(th[k], NULL);
		ok += cl[k].ok;
		bad += cl[k].bad;
		if (cl[k].status != 0)
			status = cl[k].status;
		free(cl[k].rbuf);
	}
	secs = now() - t0;
	printf("%.1f %.1f %lu %lu %d %.2f\n", (double)ok / secs,
	    (double)ok * (double)ld->bodylen / secs / 1e6, ok, bad, status,
	    secs);
	return ret;
}

static char *
read_file(const char *path, size_t *len)
{
	struct stat	 st;
	char		*p = NULL;
	size_t		 have = 0;
	ssize_t		 r;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || (p = malloc((size_t)st.st_size + 1)) ==
	    NULL)
		goto done;
	while (have < (size_t)st.st_size) {
		r = read(fd, p + have, (size_t)st.st_size - have);
		if (r <= 0) {
			free(p);
			p = NULL;
			goto done;
		}
		have += (size_t)r;
	}
	p[have] = '\0';
	*len = have;
done:
	close(fd);
	return p;
}

static int
cmd_upload(int argc, char *argv[])
{
	struct load	 ld;
	char		*body = NULL, head[2048];
	size_t		 blen = 0, hlen;
	char		*end;
	int		 n, clients, ret = 1;
	long		 limit;

	memset(&ld, 0, sizeof(ld));
	pthread_mutex_init(&ld.idslock, NULL);
	if (parse_base(argv[2], &ld.t) != 0) {
		fprintf(stderr, "hload: bad base URL %s\n", argv[2]);
		goto done;
	}
	if ((body = read_file(argv[5], &blen)) == NULL) {
		perror(argv[5]);
		goto done;
	}
	clients = (int)strtol(argv[6], NULL, 10);
	limit = strtol(argv[7], &end, 10);
	if (clients < 1 || clients > MAXCLIENTS || limit < 1 ||
	    (*end != '\0' && strcmp(end, "s") != 0)) {
		fprintf(stderr, "hload: bad clients or limit\n");
		goto done;
	}
	if (*end == 's')
		ld.deadline = (double)limit;
	else
		ld.count = (unsigned long)limit;
	n = snprintf(head, sizeof(head), "POST %s HTTP/1.1\r\nHost: %s:%s\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n", argv[3],
	    ld.t.host, ld.t.port, argv[4], blen);
	if (n < 0 || (size_t)n >= sizeof(head))
		goto done;
	hlen = (size_t)n;
	if ((ld.req = malloc(hlen + blen)) == NULL)
		goto done;
	memcpy(ld.req, head, hlen);
	memcpy(ld.req + hlen, body, blen);
	ld.reqlen = hlen + blen;
	ld.bodylen = blen;
	if (argc > 8 && (ld.idsout = fopen(argv[8], "w")) == NULL) {
		perror(argv[8]);
		goto done;
	}
	ret = run_clients(&ld, clients);
done:
	if (ld.idsout != NULL && fclose(ld.idsout) != 0)
		ret = 1;
	free(ld.req);
	free(body);
	pthread_mutex_destroy(&ld.idslock);
	return ret;
}

static int
cmd_delete(int argc, char *argv[])
{
	struct load	 ld;
	char		*text = NULL, *p, *nl;
	size_t		 len = 0, n = 0, i;
	int		 clients, ret = 1;

	memset(&ld, 0, sizeof(ld));
	pthread_mutex_init(&ld.idslock, NULL);
	if (parse_base(argv[2], &ld.t) != 0 ||
	    (text = read_file(argv[3], &len)) == NULL) {
		fprintf(stderr, "hload: bad base URL or ids file\n");
		goto done;
	}
	for (i = 0; i < len; i++)
		n += text[i] == '\n';
	clients = (int)strtol(argv[4], NULL, 10);
	if (n == 0 || clients < 1 || clients > MAXCLIENTS ||
	    (ld.ids = calloc(n, sizeof(*ld.ids))) == NULL)
		goto done;
	for (p = text; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		if (nl > p && (size_t)(nl - p) < IDMAX) {
			memcpy(ld.ids[ld.nids], p, (size_t)(nl - p));
			ld.ids[ld.nids++][nl - p] = '\0';
		}
	}
	ld.count = ld.nids;
	if (argc > 5 && (ld.deadline = strtod(argv[5], NULL)) <= 0)
		goto done;
	ret = run_clients(&ld, clients);
done:
	free(ld.ids);
	free(text);
	pthread_mutex_destroy(&ld.idslock);
	return ret;
}

/* Returns the status of GET /healthz at the base URL in urlfile, or -1. */
static int
probe(const char *urlfile, char *buf)
{
	struct target	 t;
	const char	*body;
	char		*url = NULL, req[512];
	size_t		 len, bodylen;
	int		 fd = -1, n, closing, status = -1;

	if ((url = read_file(urlfile, &len)) == NULL)
		goto done;
	url[strcspn(url, "\r\n")] = '\0';
	if (parse_base(url, &t) != 0 || (fd = dial(&t)) < 0)
		goto done;
	n = snprintf(req, sizeof(req), "GET /healthz HTTP/1.1\r\nHost: %s:%s"
	    "\r\nConnection: close\r\n\r\n", t.host, t.port);
	if (n > 0 && (size_t)n < sizeof(req) &&
	    send_all(fd, req, (size_t)n) == 0)
		status = read_response(fd, buf, &body, &bodylen, &closing);
done:
	if (fd >= 0)
		close(fd);
	free(url);
	return status;
}

static long
vmrss_kib(pid_t pid)
{
	char	 path[64], line[256];
	FILE	*f;
	long	 kib = -1;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			kib = strtol(line + 6, NULL, 10);
	fclose(f);
	return kib;
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
cmd_startup(int argc, char *argv[])
{
	double		 ms[MAXRUNS], t0, t1;
	char		 urlfile[4096], *buf;
	struct timespec	 nap = { 0, 100 * 1000 };
	long		 rss = -1;
	pid_t		 pid;
	int		 runs, i, st, devnull, ret = 1;

	runs = (int)strtol(argv[4], NULL, 10);
	if (runs < 1 || runs > MAXRUNS || (buf = malloc(RBUFSZ)) == NULL)
		return 1;
	for (i = 0; i < runs; i++) {
		snprintf(urlfile, sizeof(urlfile), "%s/url-%d", argv[3], i);
		unlink(urlfile);
		t0 = now();
		if ((pid = fork()) < 0)
			goto done;
		if (pid == 0) {
			if ((devnull = open("/dev/null", O_RDWR)) >= 0) {
				dup2(devnull, 1);
				dup2(devnull, 2);
			}
			setenv("TMPDIR", argv[3], 1);
			if (argc > 5)
				execl(argv[2], argv[2], "--port", "0",
				    "--url-file", urlfile, "--data-dir",
				    argv[5], (char *)NULL);
			else
				execl(argv[2], argv[2], "--port", "0",
				    "--url-file", urlfile, "--ephemeral",
				    (char *)NULL);
			_exit(127);
		}
		while (probe(urlfile, buf) != 200) {
			if (waitpid(pid, &st, WNOHANG) == pid ||
			    now() - t0 > 10) {
				fprintf(stderr,
				    "hload: imaged did not start\n");
				kill(pid, SIGKILL);
				waitpid(pid, &st, 0);
				goto done;
			}
			nanosleep(&nap, NULL);
		}
		t1 = now();
		ms[i] = (t1 - t0) * 1e3;
		if (i == runs - 1) {
			/* Idle: the first request served, nothing more. */
			usleep(300 * 1000);
			rss = vmrss_kib(pid);
		}
		kill(pid, SIGTERM);
		waitpid(pid, &st, 0);
	}
	qsort(ms, (size_t)runs, sizeof(ms[0]), cmp_double);
	printf("%.2f %.2f %.2f %ld\n", ms[runs / 2], ms[0], ms[runs - 1], rss);
	ret = 0;
done:
	free(buf);
	return ret;
}

static int
cmd_freeport(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd, ret = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return 1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0) {
		printf("%u\n", (unsigned)ntohs(sin.sin_port));
		ret = 0;
	}
	close(fd);
	return ret;
}

int
main(int argc, char *argv[])
{
	if ((argc == 8 || argc == 9) && strcmp(argv[1], "upload") == 0)
		return cmd_upload(argc, argv);
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "delete") == 0)
		return cmd_delete(argc, argv);
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "startup") == 0)
		return cmd_startup(argc, argv);
	if (argc == 2 && strcmp(argv[1], "freeport") == 0)
		return cmd_freeport();
	fprintf(stderr, "usage: hload upload BASE PATH CTYPE BODYFILE CLIENTS "
	    "LIMIT [IDS_OUT]\n"
	    "       hload delete BASE IDSFILE CLIENTS [SECONDS]\n"
	    "       hload startup IMAGED DIR RUNS [DATA_DIR]\n"
	    "       hload freeport\n");
	return 2;
}
