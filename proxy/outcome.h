/* outcome.h: what a connection handler (decide.c, tunnel.c, forward.c) says should happen
 * next. Handlers work on their own part of the connection and return an outcome; they
 * never call each other, change the phase or write audit lines. state.c applies the
 * outcome: it moves the connection on and, when the outcome ends the request or tunnel
 * in progress (`event` set), writes its one audit line. Internal to proxy/. */
#ifndef AIRLOCK_PROXY_OUTCOME_H
#define AIRLOCK_PROXY_OUTCOME_H

enum step {
	STEP_WAIT,     /* nothing to do until bytes or an event arrive */
	STEP_DIAL,     /* a target is decided: reach its upstream (or reuse the kept one) */
	STEP_SNI,      /* a passthrough tunnel: wait for the ClientHello */
	STEP_TLS,      /* an `allow` tunnel: terminate TLS once the queued 200 is out */
	STEP_RELAY,    /* relay bytes both ways, untouched */
	STEP_NEXT,     /* the exchange ended, the connection stays: read the next head */
	STEP_LINGER,   /* the exchange ended: half-close, drain the client, close */
	STEP_FAIL,     /* answer with airlock's own status (403, 502...), then close */
	STEP_REPLY,    /* c->down holds airlock's whole answer (the metadata server): send
	                  it, then close */
	STEP_FETCHED,  /* a metadata connection's token request is answered */
	STEP_CLOSE,    /* close */
	STEP_RESET,    /* close with RSTs */
};

struct outcome {
	enum step step;
	const char *event;   /* the audit event ending the record in progress, or NULL */
	int status;          /* STEP_FAIL: the status of the answer */
	const char *token;   /* STEP_FAIL: the X-Airlock-Deny / X-Airlock-Error token */
	char notice[300];    /* a denial, for the one-line notice on stderr; else "" */
	char allow[320];     /* a denial: the policy line that would allow it, or "" */
	char text[1400];     /* STEP_FAIL: the answer's body; else the audit reason */
};

/* Sets o to `step`, ending nothing. */
void outcome_step(struct outcome *o, enum step step);
/* Sets o to `step`, ending the record in progress with `event` and `reason`. */
void outcome_end(struct outcome *o, enum step step, const char *event, const char *reason);
/* Sets o to an answer from airlock: status, token, body (printf format). A 403 ends the
 * record as "deny", anything else as "error". */
void outcome_fail(struct outcome *o, int status, const char *token, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Sets the denial's one-line notice (shown when there is no audit file). */
void outcome_notice(struct outcome *o, const char *why);

#endif
