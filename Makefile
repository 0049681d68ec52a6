# kubectl-cnpgops
#
#   make            build ./kubectl-cnpgops (gcc, -Werror, hardened)
#   make check      all tests (unit + CLI) under ASan+UBSan (clang)
#   make valgrind   the unit tests and CLI tests under valgrind memcheck
#   make lint       clang-format, cppcheck, clang-tidy, banned functions
#   make install    PREFIX=/usr/local: binary and man page
#   make deps       install the Debian packages the build and tests need
#   make demo       the local sandbox walk-through
#   make bench      catalog vs barman-cloud on synthetic 10k/100k/1M-WAL stores,
#                   and WAL decoding vs pg_waldump

VERSION   ?= 0.1.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
CC        ?= cc
SAN_CC    ?= clang
PYTHON    ?= python3

PKGS      := libcurl yaml-0.1 jansson expat libcrypto zlib liblzma libzstd liblz4 snappy
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN      := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wpointer-arith -Wcast-qual \
             -Wwrite-strings -Wvla
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -Iinclude $(WARN) \
             -DCNPGOPS_VERSION='"$(VERSION)"' $(PKG_CFLAGS)
CFLAGS    ?= -O2 -g
REL_CFLAGS := $(BASE_CFLAGS) $(CFLAGS) -D_FORTIFY_SOURCE=2 -fstack-protector-strong
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
             -fno-omit-frame-pointer
SAN_CFLAGS := $(BASE_CFLAGS) -O1 -g $(SAN_FLAGS)
DBG_CFLAGS := $(BASE_CFLAGS) -O0 -g
LIBS      := $(PKG_LIBS) -lbz2 -lm
JANSSON_H := $(shell pkg-config --variable=includedir jansson 2>/dev/null)/jansson.h

SRC       := $(sort $(wildcard src/*.c))
CMD       := $(sort $(wildcard cmd/*.c))
UNIT      := $(sort $(wildcard tests/unit/test_*.c))
HDRS      := $(wildcard include/*.h)

REL_OBJ   := $(patsubst %.c,build/rel/%.o,$(SRC) $(CMD))
SAN_OBJ   := $(patsubst %.c,build/san/%.o,$(SRC))
SAN_CMD   := $(patsubst %.c,build/san/%.o,$(CMD))
DBG_OBJ   := $(patsubst %.c,build/dbg/%.o,$(SRC))
SAN_UNIT  := $(patsubst %.c,build/san/%.o,$(UNIT) tests/unit/runner.c)
DBG_UNIT  := $(patsubst %.c,build/dbg/%.o,$(UNIT) tests/unit/runner.c)

Q := $(if $(V),,@)

all: kubectl-cnpgops

kubectl-cnpgops: $(REL_OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) $(REL_CFLAGS) -o $@ $(REL_OBJ) $(LIBS)

build/rel/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(REL_CFLAGS) -c -o $@ $<

build/san/%.o: %.c $(HDRS) build/registry.h
	@mkdir -p $(dir $@)
	@echo "  CC san  $<"
	$(Q)$(SAN_CC) $(SAN_CFLAGS) -Itests/unit -Ibuild -c -o $@ $<

build/dbg/%.o: %.c $(HDRS) build/registry.h
	@mkdir -p $(dir $@)
	@echo "  CC dbg  $<"
	$(Q)$(CC) $(DBG_CFLAGS) -Itests/unit -Ibuild -c -o $@ $<

build/registry.h: $(UNIT) tests/unit/mkregistry.sh
	@mkdir -p build
	sh tests/unit/mkregistry.sh $(UNIT) /dev/null > $@.tmp && mv $@.tmp $@

# The binary the CLI tests run: ASan+UBSan.
build/san/kubectl-cnpgops: $(SAN_OBJ) $(SAN_CMD)
	@echo "  LD san  $@"
	$(Q)$(SAN_CC) $(SAN_CFLAGS) -o $@ $^ $(LIBS)

# The cron test driver: tests/cli/t040-cron-oracle.sh compares it with the
# brute-force evaluator in tests/cron/oracle.py.
build/san/cron-driver: tests/cron/driver.c $(SAN_OBJ)
	$(SAN_CC) $(SAN_CFLAGS) -o $@ $^ $(LIBS)

# The S3 client's test driver (tests/s3/s3tool.c), for tests/cli/t2*-s3-*.
build/san/s3tool: $(SAN_OBJ) build/san/tests/s3/s3tool.o
	$(SAN_CC) $(SAN_CFLAGS) -o $@ $^ $(LIBS)

# The WAL decoder's test driver (tests/wal/waltool.c), for t350.
build/san/waltool: $(SAN_OBJ) build/san/tests/wal/waltool.o
	$(SAN_CC) $(SAN_CFLAGS) -o $@ $^ $(LIBS)

# The same, optimised, for make bench.
build/rel/waltool: $(filter build/rel/src/%,$(REL_OBJ)) build/rel/tests/wal/waltool.o
	$(CC) $(REL_CFLAGS) -o $@ $^ $(LIBS)

build/san/unit: $(SAN_OBJ) $(SAN_UNIT)
	@echo "  LD san  $@"
	$(Q)$(SAN_CC) $(SAN_CFLAGS) -o $@ $^ $(LIBS)

build/dbg/unit: $(DBG_OBJ) $(DBG_UNIT)
	@echo "  LD dbg  $@"
	$(Q)$(CC) $(DBG_CFLAGS) -o $@ $^ $(LIBS)

build/dbg/kubectl-cnpgops: $(DBG_OBJ) $(patsubst %.c,build/dbg/%.o,$(CMD))
	@echo "  LD dbg  $@"
	$(Q)$(CC) $(DBG_CFLAGS) -o $@ $^ $(LIBS)

# libFuzzer targets (tests/fuzz/fuzz_*.c) over coverage-instrumented
# library objects; make fuzz FUZZ_SECONDS=N runs each for N seconds from the
# committed seeds in tests/fuzz/corpus/NAME (new inputs go to build/).
FUZZ_SECONDS ?= 30
FUZZ_CFLAGS := $(BASE_CFLAGS) -O1 -g -fno-omit-frame-pointer \
             -fsanitize=fuzzer-no-link,address,undefined \
             -fno-sanitize-recover=undefined
FUZZ_OBJ  := $(patsubst %.c,build/fuzz/%.o,$(SRC))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))

build/fuzz/src/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC fuzz $<"
	$(Q)$(SAN_CC) $(FUZZ_CFLAGS) -c -o $@ $<

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ)
	@echo "  LD fuzz $@"
	$(Q)$(SAN_CC) $(BASE_CFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=undefined -o $@ $^ $(LIBS)

fuzz: $(FUZZ_BINS)
	@for t in $(FUZZ_BINS); do \
		n=$${t##*/}; mkdir -p build/fuzz/corpus/$$n tests/fuzz/corpus/$$n; \
		echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
		$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
		  -print_final_stats=1 build/fuzz/corpus/$$n tests/fuzz/corpus/$$n \
		  2>build/fuzz/$$n.log || { tail -n 60 build/fuzz/$$n.log; exit 1; }; \
		grep -E "stat::number_of_executed_units|stat::peak_rss_mb" build/fuzz/$$n.log | tr '\n' ' '; echo; \
	done

headertest:
	@for h in include/*.h; do \
		printf '#include "%s"\n' "$${h##*/}" | \
		$(CC) $(BASE_CFLAGS) -fsyntax-only -x c - || exit 1; \
	done; echo "headers: each compiles on its own"

unit: build/san/unit
	ASAN_OPTIONS=detect_leaks=1 ./build/san/unit $(FILTER)

TEST_DRIVERS := build/san/cron-driver build/san/s3tool build/san/waltool

cli: build/san/kubectl-cnpgops kubectl-cnpgops $(TEST_DRIVERS)
	CNPGOPS_BIN=$(CURDIR)/build/san/kubectl-cnpgops \
	  sh tests/cli/run.sh $(FILTER)

check: kubectl-cnpgops headertest build/san/unit build/san/kubectl-cnpgops \
	$(TEST_DRIVERS)
	@rm -f build/results
	ASAN_OPTIONS=detect_leaks=1 ./build/san/unit $(FILTER) | tee -a build/results
	CNPGOPS_BIN=$(CURDIR)/build/san/kubectl-cnpgops \
	  sh tests/cli/run.sh $(FILTER) | tee -a build/results
	@sh tests/summary.sh build/results

valgrind: build/dbg/unit build/dbg/kubectl-cnpgops $(TEST_DRIVERS)
	valgrind -q --error-exitcode=99 --leak-check=full \
	  --errors-for-leak-kinds=definite,indirect \
	  --suppressions=tests/valgrind.supp ./build/dbg/unit $(FILTER)
	CNPGOPS_BIN=$(CURDIR)/build/dbg/kubectl-cnpgops CNPGOPS_VALGRIND=1 \
	  sh tests/cli/run.sh $(FILTER)

lint:
	clang-format --dry-run --Werror cmd/*.c src/*.c include/*.h tests/unit/*.c tests/unit/*.h tests/fuzz/*.c tests/s3/*.c tests/cron/*.c tests/wal/*.c
	cppcheck --enable=warning,style,performance,portability --error-exitcode=1 \
	  --inline-suppr --std=c11 -Iinclude -D_GNU_SOURCE \
	  --suppress=missingIncludeSystem --include=$(JANSSON_H) -q cmd src
	clang-tidy -quiet cmd/*.c src/*.c -- -std=c11 -D_GNU_SOURCE -Iinclude $(PKG_CFLAGS)
	sh tests/banned.sh

format:
	clang-format -i cmd/*.c src/*.c include/*.h tests/unit/*.c tests/unit/*.h tests/fuzz/*.c tests/s3/*.c tests/cron/*.c tests/wal/*.c

install: kubectl-cnpgops
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 kubectl-cnpgops $(DESTDIR)$(BINDIR)/kubectl-cnpgops
	install -m 755 kubectl_complete-cnpgops $(DESTDIR)$(BINDIR)/kubectl_complete-cnpgops
	install -m 644 man/kubectl-cnpgops.1 $(DESTDIR)$(MANDIR)/man1/kubectl-cnpgops.1
	install -d $(DESTDIR)$(PREFIX)/share/doc/kubectl-cnpgops
	install -m 644 docs/rbac.yaml $(DESTDIR)$(PREFIX)/share/doc/kubectl-cnpgops/rbac.yaml

OS        := $(shell uname -s | tr A-Z a-z)
ARCH      := $(shell uname -m | sed 's/x86_64/amd64/; s/aarch64/arm64/')
DISTDIR   ?= dist
RELEASE_URL ?= https://github.com/cnpgops/kubectl-cnpgops/releases/download
DIST_NAME := kubectl-cnpgops_$(VERSION)_$(OS)_$(ARCH)

# A reproducible release tarball for this machine's platform.
dist: kubectl-cnpgops
	@mkdir -p $(DISTDIR)/stage
	cp kubectl-cnpgops LICENSE man/kubectl-cnpgops.1 $(DISTDIR)/stage/
	strip $(DISTDIR)/stage/kubectl-cnpgops
	tar -C $(DISTDIR)/stage --sort=name --mtime=@0 --owner=0 --group=0 \
	  --numeric-owner -cf - kubectl-cnpgops LICENSE kubectl-cnpgops.1 | \
	  gzip -n -9 > $(DISTDIR)/$(DIST_NAME).tar.gz
	rm -rf $(DISTDIR)/stage
	@echo "  DIST    $(DISTDIR)/$(DIST_NAME).tar.gz"

# krew's Plugin manifest for the archives in $(DISTDIR), sha256 filled in.
krew-manifest: dist
	$(PYTHON) tests/dist/mkkrew.py $(VERSION) $(RELEASE_URL) \
	  krew-manifest.yaml.in $(DISTDIR)/kubectl-cnpgops_$(VERSION)_*.tar.gz \
	  > $(DISTDIR)/krew-manifest.yaml
	$(PYTHON) tests/dist/krewcheck.py $(DISTDIR)/krew-manifest.yaml $(DISTDIR)

deps:
	sh tests/deps.sh

demo: kubectl-cnpgops
	sh demo/run.sh

# Not a test and not part of check: numbers to build/bench/results.md.
BENCH_SIZES ?= 10000 100000 1000000
BENCH_WAL_MB ?= 512
bench: kubectl-cnpgops build/rel/waltool
	$(PYTHON) tests/bench/run.py ./kubectl-cnpgops $(BENCH_SIZES)
	sh tests/bench/wal.sh $(BENCH_WAL_MB)

clean:
	rm -rf build kubectl-cnpgops

.SECONDARY:

.PHONY: bench demo fuzz dist krew-manifest all check unit cli valgrind lint format install deps clean headertest
