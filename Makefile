# Cygnet — one GNU Makefile.  `make`, `make check`, `make demo`, `make install`,
# `make asan`, `make fuzz`, `make bench`.  Quiet unless V=1; -Werror under CI.
#
# Layout: every src/*/*.c except src/cli/ipsec.c goes into build/libcygnet.a;
# the `ipsec` multi-call binary is src/cli/ipsec.c linked with it; each
# tests/unit/test_*.c is its own test program; each fuzz/fuzz_*.c a libFuzzer
# target.  New files need no Makefile change.

PREFIX    ?= /usr/local
DESTDIR   ?=
BUILD     ?= build
CC        ?= cc
PKGS      := libcrypto libevent libmnl

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Install missing Debian build dependencies before anything else (fresh machine);
# nft too: the userspace dataplane needs it at run time (make demo).
ifeq ($(filter deps clean,$(MAKECMDGOALS)),)
ifneq ($(shell pkg-config --exists '$(PKGS)' 2>/dev/null && command -v clang >/dev/null && command -v nft >/dev/null && command -v tcpdump >/dev/null && echo ok),ok)
$(info cygnet: build dependencies missing, running scripts/install-deps)
DEPS_RC := $(shell scripts/install-deps >&2; echo $$?)
ifneq ($(DEPS_RC),0)
$(error scripts/install-deps failed)
endif
endif
endif

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wpointer-arith -Wcast-align -Wwrite-strings -Wvla \
	-Wno-missing-field-initializers
ifneq ($(CI),)
WARN += -Werror
endif
ifneq ($(WERROR),)
WARN += -Werror
endif

OPT       ?= -O2 -g
SAN       ?=
CPPFLAGS  += -D_GNU_SOURCE -Isrc $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
CFLAGS    += -std=gnu11 $(OPT) $(WARN) $(SAN) -MMD -MP
LDLIBS    += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
LDFLAGS   += $(SAN)

LIB_SRCS  := $(filter-out src/cli/ipsec.c,$(sort $(wildcard src/*/*.c)))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
TEST_SRCS := $(sort $(wildcard tests/unit/test_*.c))
TEST_BINS := $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRCS := $(sort $(wildcard fuzz/fuzz_*.c))
# tests/tools/NAME.c is a program; tests/tools/ikeload_*.c are parts of
# ikeload, and of its unit test test_ikeload.
TOOLS_SRCS:= $(filter-out tests/tools/ikeload_%.c,$(sort $(wildcard tests/tools/*.c)))
TOOLS     := $(TOOLS_SRCS:tests/tools/%.c=$(BUILD)/tools/%)
IKELOAD_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(sort $(wildcard tests/tools/ikeload_*.c)))

all: $(BUILD)/ipsec $(TEST_BINS) $(TOOLS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/libcygnet.a: $(LIB_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/ipsec: $(BUILD)/src/cli/ipsec.o $(BUILD)/libcygnet.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/tests/unit/harness.o $(BUILD)/libcygnet.a
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tools/ikeload: $(BUILD)/tests/tools/ikeload.o $(IKELOAD_OBJS) $(BUILD)/libcygnet.a
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/tests/test_ikeload: $(BUILD)/tests/unit/test_ikeload.o $(BUILD)/tests/unit/harness.o \
		$(IKELOAD_OBJS) $(BUILD)/libcygnet.a
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/tools/%: $(BUILD)/tests/tools/%.o $(BUILD)/libcygnet.a
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

check: all
	$(Q)BUILD=$(BUILD) scripts/run-tests

# The whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer.
asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" \
		SANLOG=$(CURDIR)/build/asan/san-logs check

# libFuzzer targets, built with clang; each runs FUZZ_SECONDS (default 60).
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := build/fuzz
fuzz:
	$(Q)$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang OPT="-O1 -g" \
		SAN="-fsanitize=fuzzer-no-link,address,undefined" $(FUZZ_BUILD)/libcygnet.a
	$(Q)set -e; for f in $(FUZZ_SRCS); do \
		n=$$(basename $$f .c); \
		echo "  FUZZ    $$n ($(FUZZ_SECONDS)s)"; \
		clang $(CPPFLAGS) -std=gnu11 -O1 -g -fsanitize=fuzzer,address,undefined \
			-o $(FUZZ_BUILD)/$$n $$f $(FUZZ_BUILD)/libcygnet.a $(LDLIBS); \
		mkdir -p $(FUZZ_BUILD)/corpus/$$n; \
		seeds=; [ -d fuzz/seeds/$$n ] && seeds=fuzz/seeds/$$n; \
		$(FUZZ_BUILD)/$$n -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
			-artifact_prefix=$(FUZZ_BUILD)/$$n- $(FUZZ_BUILD)/corpus/$$n $$seeds 2>$(FUZZ_BUILD)/$$n.log \
			|| { tail -40 $(FUZZ_BUILD)/$$n.log; exit 1; }; \
	done

demo: $(BUILD)/ipsec
	$(Q)scripts/demo

bench: all
	$(Q)for b in bench/*.sh; do echo "== $$b"; $$b || exit 1; done

install: $(BUILD)/ipsec
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 0755 $(BUILD)/ipsec $(DESTDIR)$(PREFIX)/sbin/ipsec
	for m in man/*.8; do [ -f "$$m" ] && install -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man8/; done; true
	for m in man/*.5; do [ -f "$$m" ] && install -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man5/; done; true

deps:
	scripts/install-deps

clean:
	rm -rf build

.PHONY: all check asan fuzz demo bench install deps clean
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
