/* Unit tests of the test interpreter test/unit/cbpf.c: what it runs must be what the
 * kernel would run, or the filter tests built on it prove nothing. */
#include "test/unit/harness.h"
#include "test/unit/cbpf.h"

#include <stddef.h>
#include <string.h>

#define NR_OFF offsetof(struct seccomp_data, nr)
#define ARCH_OFF offsetof(struct seccomp_data, arch)
#define ARG_LO(i) offsetof(struct seccomp_data, args[i])
#define ARG_HI(i) (offsetof(struct seccomp_data, args[i]) + 4)

static int run(const struct sock_filter *f, size_t n, struct seccomp_data *d, uint32_t *r)
{
	return cbpf_run(f, n, d, r);
}

TEST(cbpf_loads_and_compares)
{
	/* nr == 7 ? ERRNO(1) : ALLOW */
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFF),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 7, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct seccomp_data d;
	memset(&d, 0, sizeof d);
	uint32_t r = 0;
	d.nr = 7;
	CHECK_EQ_INT(run(f, 4, &d, &r), 0);
	CHECK_EQ_INT(r, SECCOMP_RET_ERRNO | 1);
	d.nr = 8;
	CHECK_EQ_INT(run(f, 4, &d, &r), 0);
	CHECK_EQ_INT(r, SECCOMP_RET_ALLOW);
}

TEST(cbpf_reads_both_halves_of_an_argument)
{
	/* args[1] == 0x1_00000005 ? ret 1 : ret 2 */
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_HI(1)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 5, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 1),
		BPF_STMT(BPF_RET | BPF_K, 2),
	};
	struct seccomp_data d;
	memset(&d, 0, sizeof d);
	uint32_t r = 0;
	d.args[1] = 0x100000005ULL;
	CHECK_EQ_INT(run(f, 6, &d, &r), 0);
	CHECK_EQ_INT(r, 1);
	d.args[1] = 5;
	CHECK_EQ_INT(run(f, 6, &d, &r), 0);
	CHECK_EQ_INT(r, 2);
}

TEST(cbpf_alu_scratch_and_x)
{
	/* A = arch & 0xff; M[3] = A; X = 0x3e; A = M[3]; A == X ? ret A : ret 0 */
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARCH_OFF),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff),
		BPF_STMT(BPF_ST, 3),
		BPF_STMT(BPF_LDX | BPF_IMM, 0x3e),
		BPF_STMT(BPF_LD | BPF_IMM, 0),
		BPF_STMT(BPF_LD | BPF_MEM, 3),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 0, 1),
		BPF_STMT(BPF_RET | BPF_A, 0),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct seccomp_data d;
	memset(&d, 0, sizeof d);
	uint32_t r = 9;
	d.arch = 0xc000003e;
	CHECK_EQ_INT(run(f, 9, &d, &r), 0);
	CHECK_EQ_INT(r, 0x3e);
	d.arch = 0x40000003;
	CHECK_EQ_INT(run(f, 9, &d, &r), 0);
	CHECK_EQ_INT(r, 0);
}

TEST(cbpf_jset_jgt_jge_ja)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFF),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x40000000, 5, 0),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 100, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 100, 2, 0),
		BPF_STMT(BPF_JMP | BPF_JA, 2),
		BPF_STMT(BPF_RET | BPF_K, 3), /* > 100 */
		BPF_STMT(BPF_RET | BPF_K, 2), /* == 100 */
		BPF_STMT(BPF_RET | BPF_K, 1), /* x32 bit, or < 100 via JA */
	};
	struct seccomp_data d;
	memset(&d, 0, sizeof d);
	uint32_t r;
	d.nr = 0x40000001;
	CHECK(run(f, 8, &d, &r) == 0 && r == 1);
	d.nr = 101;
	CHECK(run(f, 8, &d, &r) == 0 && r == 3);
	d.nr = 100;
	CHECK(run(f, 8, &d, &r) == 0 && r == 2);
	d.nr = 99;
	CHECK(run(f, 8, &d, &r) == 0 && r == 1);
}

TEST(cbpf_refuses_what_the_kernel_refuses)
{
	struct seccomp_data d;
	memset(&d, 0, sizeof d);
	uint32_t r;
	/* misaligned and out-of-range loads */
	struct sock_filter mis[] = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 2),
				    BPF_STMT(BPF_RET | BPF_K, 0)};
	CHECK_EQ_INT(run(mis, 2, &d, &r), -1);
	struct sock_filter far[] = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, sizeof d),
				    BPF_STMT(BPF_RET | BPF_K, 0)};
	CHECK_EQ_INT(run(far, 2, &d, &r), -1);
	/* byte loads are not allowed for seccomp */
	struct sock_filter byte[] = {BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
				     BPF_STMT(BPF_RET | BPF_K, 0)};
	CHECK_EQ_INT(run(byte, 2, &d, &r), -1);
	/* a jump past the end */
	struct sock_filter jump[] = {BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 0),
				     BPF_STMT(BPF_RET | BPF_K, 0)};
	CHECK_EQ_INT(run(jump, 2, &d, &r), -1);
	/* no final return */
	struct sock_filter open_end[] = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0)};
	CHECK_EQ_INT(run(open_end, 1, &d, &r), -1);
	/* constant division by zero */
	struct sock_filter div0[] = {BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0),
				     BPF_STMT(BPF_RET | BPF_K, 0)};
	CHECK_EQ_INT(run(div0, 2, &d, &r), -1);
	/* scratch memory index out of range */
	struct sock_filter mem[] = {BPF_STMT(BPF_ST, 16), BPF_STMT(BPF_RET | BPF_K, 0)};
	CHECK_EQ_INT(run(mem, 2, &d, &r), -1);
}
