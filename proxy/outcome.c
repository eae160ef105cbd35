/* outcome.c: filling an outcome (see outcome.h). */
#include "proxy/outcome.h"

#include <stdarg.h>
#include <stdio.h>

void outcome_step(struct outcome *o, enum step step)
{
	o->step = step;
	o->event = NULL;
	o->status = 0;
	o->token = NULL;
	o->notice[0] = 0;
	o->allow[0] = 0;
	o->text[0] = 0;
}

void outcome_end(struct outcome *o, enum step step, const char *event, const char *reason)
{
	outcome_step(o, step);
	o->event = event;
	snprintf(o->text, sizeof o->text, "%s", reason);
}

void outcome_fail(struct outcome *o, int status, const char *token, const char *fmt, ...)
{
	outcome_step(o, STEP_FAIL);
	o->event = status == 403 ? "deny" : "error";
	o->status = status;
	o->token = token;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->text, sizeof o->text, fmt, ap);
	va_end(ap);
}

void outcome_notice(struct outcome *o, const char *why)
{
	snprintf(o->notice, sizeof o->notice, "%s", why);
}
