/*
 * b64.h: standard base64 (RFC 4648 section 4), streaming.
 *
 * The decoder takes its input in pieces of any size, ignores ASCII
 * whitespace anywhere, accepts missing padding, and refuses the URL-safe
 * alphabet, stray characters and data after padding.  Its state is a
 * small struct the caller embeds.
 */
#ifndef IMAGED_B64_H
#define IMAGED_B64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct b64_decoder {
	/* private */
	uint32_t	 acc;
	unsigned	 nacc;		/* sextets in acc */
	unsigned	 npad;		/* '=' seen */
	bool		 bad;
};

void	 b64_decoder_init(struct b64_decoder *);
/*
 * Decode n bytes of text into out, which has room for at least
 * b64_decoded_max(n) bytes.  Returns false on invalid input (the decoder
 * then stays failed).  *outlen is set to the bytes written.
 */
bool	 b64_decode(struct b64_decoder *, const char *in, size_t n,
	    unsigned char *out, size_t *outlen);
/*
 * Finish: flush the last bytes (at most 2) into out.  False if the input
 * ended badly.
 */
bool	 b64_decode_end(struct b64_decoder *, unsigned char *out,
	    size_t *outlen);
/* Room b64_decode may need for n input bytes. */
size_t	 b64_decoded_max(size_t n);

/* Length of the encoding of n bytes (with padding, no NUL). */
size_t	 b64_encoded_len(size_t n);
/*
 * Encode n bytes; out has room for b64_encoded_len(n) bytes.  No
 * NUL written.
 */
void	 b64_encode(const unsigned char *in, size_t n, char *out);

#endif
