# airlock.mk: the compile rules behind build.sh (which sets TOP, OUT and DEPS).
#
# Three builds of the same module sources:
#   musl   static, stripped out/airlock (musl-gcc, the pinned BearSSL/libseccomp/inih)
#   asan   host gcc with ASan/UBSan: unit tests and test tools (Debian's -dev libraries)
#   fuzz   clang with libFuzzer: one binary per test/fuzz/fuzz_*.c
# Every module .c under init/ policy/ net/ proxy/ and their folders (not */gen/) is
# picked up by itself; a new test file
# test/unit/test_*.c, test/fuzz/fuzz_*.c or test/tools/*.c needs no edit here.

VERSION := 0.1.0
LAYERS  := net/base proxy/proto proxy/tls policy net init/sandbox proxy init
MODULES := $(sort $(foreach d,$(LAYERS),$(wildcard $(TOP)/$(d)/*.c)))
MAIN    := $(TOP)/init/main.c
LIBSRC  := $(filter-out $(MAIN),$(MODULES))
INI     := $(DEPS)/src/inih/ini.c
UNITSRC := $(sort $(wildcard $(TOP)/test/unit/*.c))
FUZZSRC := $(sort $(wildcard $(TOP)/test/fuzz/fuzz_*.c))
TOOLSRC := $(sort $(wildcard $(TOP)/test/tools/*.c))

WARN    := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter
# inih: a long line is an error rather than silently split; no multi-line values.
INIDEF  := -DINI_MAX_LINE=4096 -DINI_ALLOW_MULTILINE=0 -DINI_STOP_ON_FIRST_ERROR=0
DEFS    := -DAIRLOCK_VERSION='"$(VERSION)"' $(INIDEF)

MUSLCC  := musl-gcc
MUSLFL  := $(WARN) $(DEFS) -O2 -ffunction-sections -fdata-sections -fno-plt \
           -I$(TOP) -I$(OUT)/gen/musl -isystem $(DEPS)/include -isystem $(DEPS)/kheaders
ASANCC  := gcc
ASANFL  := $(WARN) $(DEFS) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
           -fno-sanitize-recover=undefined -I$(TOP) -I$(OUT)/gen/host -isystem $(DEPS)/src/inih
FUZZCC  := clang
FUZZFL  := $(WARN) $(DEFS) -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
           -fno-sanitize-recover=undefined \
           -I$(TOP) -I$(OUT)/gen/host -isystem $(DEPS)/src/inih

obj = $(patsubst $(TOP)/%.c,$(OUT)/obj/$(1)/%.o,$(2))

MUSLOBJ := $(call obj,musl,$(MODULES)) $(OUT)/obj/musl/inih/ini.o
ASANOBJ := $(call obj,asan,$(LIBSRC)) $(OUT)/obj/asan/inih/ini.o
FUZZOBJ := $(call obj,fuzz,$(LIBSRC)) $(OUT)/obj/fuzz/inih/ini.o

.PHONY: airlock asan unit replay fuzz tools
airlock: $(OUT)/airlock $(OUT)/sandbox-exec
# The whole program with the host compiler and ASan/UBSan, for the integration suite's
# sanitizer run (dynamic, glibc: not the binary that ships).
asan: $(OUT)/asan/airlock $(OUT)/asan/sandbox-exec
unit: $(OUT)/test/unit_tests tools replay
# Every fuzz target again, without libFuzzer, built like the unit tests, to replay its
# seeds and regression inputs in each unit run (test/replay/replay.c).
replay: $(patsubst $(TOP)/test/fuzz/%.c,$(OUT)/test/replay/%,$(FUZZSRC))
tools: $(patsubst $(TOP)/test/tools/%.c,$(OUT)/test/tools/%,$(TOOLSRC))
fuzz: $(patsubst $(TOP)/test/fuzz/%.c,$(OUT)/test/fuzz/%,$(FUZZSRC))

$(OUT)/airlock: $(MUSLOBJ)
	$(MUSLCC) -static -Wl,--gc-sections -s -o $@ $^ $(DEPS)/lib/libseccomp.a $(DEPS)/lib/libbearssl.a
$(OUT)/sandbox-exec: $(OUT)/airlock
	ln -sf airlock $@

$(OUT)/asan/airlock: $(call obj,asan,$(MAIN)) $(OUT)/obj/asan/test/asan/options.o $(ASANOBJ)
	@mkdir -p $(dir $@)
	$(ASANCC) -fsanitize=address,undefined -o $@ $^ -lbearssl -lseccomp -lpthread
$(OUT)/obj/asan/test/asan/options.o: ASANFL += -DAIRLOCK_REPORTS='"$(OUT)/sanitizer-reports"'
$(OUT)/asan/sandbox-exec: $(OUT)/asan/airlock
	ln -sf airlock $@

$(OUT)/test/unit_tests: $(call obj,asan,$(UNITSRC)) $(ASANOBJ)
	@mkdir -p $(dir $@)
	$(ASANCC) -fsanitize=address,undefined -o $@ $^ -lbearssl -lseccomp -lpthread
$(OUT)/test/tools/%: $(OUT)/obj/asan/test/tools/%.o $(ASANOBJ)
	@mkdir -p $(dir $@)
	$(ASANCC) -fsanitize=address,undefined -o $@ $^ -lbearssl -lseccomp -lpthread
$(OUT)/test/replay/%: $(OUT)/obj/asan/test/fuzz/%.o $(OUT)/obj/asan/test/replay/replay.o $(ASANOBJ)
	@mkdir -p $(dir $@)
	$(ASANCC) -fsanitize=address,undefined -o $@ $^ -lbearssl -lseccomp -lpthread
$(OUT)/test/fuzz/%: $(OUT)/obj/fuzz/test/fuzz/%.o $(FUZZOBJ)
	@mkdir -p $(dir $@)
	$(FUZZCC) -fsanitize=fuzzer,address,undefined -o $@ $^ -lbearssl -lseccomp -lpthread

# The seccomp filter is compiled by libseccomp at build time into a constant program
# (init/sandbox/gen/seccomp_gen.c): with the pinned libseccomp for the static binary, with the
# host's for the test builds, whose unit tests compare it with a run-time compilation.
GENOBJ   = $(call obj,$(1),$(TOP)/init/sandbox/gen/seccomp_gen.c $(TOP)/init/sandbox/seccomp_rules.c $(TOP)/init/sandbox/seccomp_worker.c $(TOP)/net/base/log.c)
$(OUT)/gen/musl/seccomp_gen: $(call GENOBJ,musl)
	@mkdir -p $(dir $@)
	$(MUSLCC) -static -o $@ $^ $(DEPS)/lib/libseccomp.a
$(OUT)/gen/host/seccomp_gen: $(call GENOBJ,asan)
	@mkdir -p $(dir $@)
	$(ASANCC) -fsanitize=address,undefined -o $@ $^ -lseccomp
$(OUT)/gen/%/seccomp_program.h: $(OUT)/gen/%/seccomp_gen
	$< > $@.tmp && mv $@.tmp $@
$(OUT)/obj/musl/init/sandbox/seccomp_filter.o: $(OUT)/gen/musl/seccomp_program.h
$(OUT)/obj/asan/init/sandbox/seccomp_filter.o $(OUT)/obj/fuzz/init/sandbox/seccomp_filter.o: $(OUT)/gen/host/seccomp_program.h
# The unit tests also check the static binary's own program (the pinned libseccomp's).
$(OUT)/obj/asan/test/unit/seccomp_musl_program.o: $(OUT)/gen/musl/seccomp_program.h
$(OUT)/obj/asan/test/unit/seccomp_musl_program.o: ASANFL := $(subst $(OUT)/gen/host,$(OUT)/gen/musl,$(ASANFL))

$(OUT)/obj/musl/%.o: $(TOP)/%.c
	@mkdir -p $(dir $@)
	$(MUSLCC) $(MUSLFL) -MMD -MP -c -o $@ $<
$(OUT)/obj/asan/%.o: $(TOP)/%.c
	@mkdir -p $(dir $@)
	$(ASANCC) $(ASANFL) -MMD -MP -c -o $@ $<
$(OUT)/obj/fuzz/%.o: $(TOP)/%.c
	@mkdir -p $(dir $@)
	$(FUZZCC) $(FUZZFL) -MMD -MP -c -o $@ $<

# inih is third-party code: same defines, none of our warnings.
$(OUT)/obj/musl/inih/ini.o: $(INI)
	@mkdir -p $(dir $@)
	$(MUSLCC) -O2 -ffunction-sections -fdata-sections $(INIDEF) -c -o $@ $<
$(OUT)/obj/asan/inih/ini.o: $(INI)
	@mkdir -p $(dir $@)
	$(ASANCC) -O1 -g -fsanitize=address,undefined $(INIDEF) -c -o $@ $<
$(OUT)/obj/fuzz/inih/ini.o: $(INI)
	@mkdir -p $(dir $@)
	$(FUZZCC) -O1 -g -fsanitize=fuzzer-no-link,address,undefined $(INIDEF) -c -o $@ $<

-include $(shell find $(OUT)/obj -name '*.d' 2>/dev/null)
