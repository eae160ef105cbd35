/* cbpf.c: a classic-BPF interpreter for seccomp programs (see cbpf.h). */
#include "test/unit/cbpf.h"

#include <string.h>

#define MEMWORDS BPF_MEMWORDS

/* Whether `k` names an aligned 32-bit word inside struct seccomp_data. */
static int data_word_ok(uint32_t k)
{
	return k % 4 == 0 && k + 4 <= sizeof(struct seccomp_data);
}

/* One ALU operation; -1 for an operation seccomp does not allow. */
static int alu(uint16_t op, uint32_t *a, uint32_t v)
{
	switch (op) {
	case BPF_ADD: *a += v; return 0;
	case BPF_SUB: *a -= v; return 0;
	case BPF_MUL: *a *= v; return 0;
	case BPF_DIV: *a = v ? *a / v : 0; return v ? 0 : 1; /* 1: the filter returns 0 */
	case BPF_AND: *a &= v; return 0;
	case BPF_OR: *a |= v; return 0;
	case BPF_XOR: *a ^= v; return 0;
	case BPF_LSH: *a = v < 32 ? *a << v : 0; return 0;
	case BPF_RSH: *a = v < 32 ? *a >> v : 0; return 0;
	case BPF_NEG: *a = -*a; return 0;
	default: return -1;
	}
}

/* A conditional jump's test; -1 for a test classic BPF does not have. */
static int jump_taken(uint16_t op, uint32_t a, uint32_t v)
{
	switch (op) {
	case BPF_JEQ: return a == v;
	case BPF_JGT: return a > v;
	case BPF_JGE: return a >= v;
	case BPF_JSET: return (a & v) != 0;
	default: return -1;
	}
}

int cbpf_run(const struct sock_filter *prog, size_t len, const struct seccomp_data *data,
	     uint32_t *ret)
{
	uint32_t a = 0, x = 0, mem[MEMWORDS] = {0};
	size_t pc = 0;
	/* Every jump goes forward, so the program ends after at most `len` steps. */
	while (pc < len) {
		const struct sock_filter *f = &prog[pc++];
		uint16_t cls = BPF_CLASS(f->code);
		uint32_t src = BPF_SRC(f->code) == BPF_X ? x : f->k;
		switch (cls) {
		case BPF_LD:
		case BPF_LDX: {
			uint32_t v;
			switch (f->code) {
			case BPF_LD | BPF_W | BPF_ABS:
				if (!data_word_ok(f->k))
					return -1;
				memcpy(&v, (const char *)data + f->k, 4);
				break;
			case BPF_LD | BPF_W | BPF_LEN:
			case BPF_LDX | BPF_W | BPF_LEN:
				v = sizeof(struct seccomp_data);
				break;
			case BPF_LD | BPF_IMM:
			case BPF_LDX | BPF_IMM:
				v = f->k;
				break;
			case BPF_LD | BPF_MEM:
			case BPF_LDX | BPF_MEM:
				if (f->k >= MEMWORDS)
					return -1;
				v = mem[f->k];
				break;
			default:
				return -1;
			}
			*(cls == BPF_LD ? &a : &x) = v;
			break;
		}
		case BPF_ST:
		case BPF_STX:
			if (f->code != cls || f->k >= MEMWORDS)
				return -1;
			mem[f->k] = cls == BPF_ST ? a : x;
			break;
		case BPF_ALU: {
			if (BPF_OP(f->code) == BPF_DIV && BPF_SRC(f->code) == BPF_K && f->k == 0)
				return -1; /* the kernel refuses this at load time */
			int r = alu(BPF_OP(f->code), &a, src);
			if (r < 0)
				return -1;
			if (r > 0) { /* division by a zero X: the filter returns 0 */
				*ret = 0;
				return 0;
			}
			break;
		}
		case BPF_JMP: {
			size_t off;
			if (BPF_OP(f->code) == BPF_JA) {
				if (f->code != (BPF_JMP | BPF_JA))
					return -1;
				off = f->k;
			} else {
				int t = jump_taken(BPF_OP(f->code), a, src);
				if (t < 0)
					return -1;
				off = t ? f->jt : f->jf;
			}
			if (off >= len - pc)
				return -1;
			pc += off;
			break;
		}
		case BPF_RET:
			if (f->code == (BPF_RET | BPF_K))
				*ret = f->k;
			else if (f->code == (BPF_RET | BPF_A))
				*ret = a;
			else
				return -1;
			return 0;
		case BPF_MISC:
			if (f->code == (BPF_MISC | BPF_TAX))
				x = a;
			else if (f->code == (BPF_MISC | BPF_TXA))
				a = x;
			else
				return -1;
			break;
		default:
			return -1;
		}
	}
	return -1; /* fell off the end: the kernel requires a final return */
}
