# kubectl-cnpgops
#
#   make            build ./kubectl-cnpgops (gcc, -Werror, hardened)
#   make check      all tests (unit + CLI) under ASan+UBSan (clang)
#   make valgrind   the unit tests and CLI tests under valgrind memcheck
#   make lint       clang-format, cppcheck, clang-tidy, banned functions
#   make install    PREFIX=/usr/local: binary and man page
#   make deps       install the Debian packages the build and tests need
#   make demo       the local sandbox walk-through

VERSION   ?= 0.1.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
CC        ?= cc
SAN_CC    ?= clang
PYTHON    ?= python3

PKGS      := libcurl yaml-0.1 jansson expat libcrypto
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
LIBS      := $(PKG_LIBS) -lm

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

all: kubectl-cnpgops

kubectl-cnpgops: $(REL_OBJ)
	$(CC) $(REL_CFLAGS) -o $@ $(REL_OBJ) $(LIBS)

build/rel/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -c -o $@ $<

build/san/%.o: %.c $(HDRS) build/registry.h
	@mkdir -p $(dir $@)
	$(SAN_CC) $(SAN_CFLAGS) -Itests/unit -Ibuild -c -o $@ $<

build/dbg/%.o: %.c $(HDRS) build/registry.h
	@mkdir -p $(dir $@)
	$(CC) $(DBG_CFLAGS) -Itests/unit -Ibuild -c -o $@ $<

build/registry.h: $(UNIT) tests/unit/mkregistry.sh
	@mkdir -p build
	sh tests/unit/mkregistry.sh $(UNIT) /dev/null > $@.tmp && mv $@.tmp $@

# The binary the CLI tests run: ASan+UBSan.
build/san/kubectl-cnpgops: $(SAN_OBJ) $(SAN_CMD)
	$(SAN_CC) $(SAN_CFLAGS) -o $@ $^ $(LIBS)

# The S3 client's test driver (tests/s3/s3tool.c), for tests/cli/t2*-s3-*.
build/san/s3tool: $(SAN_OBJ) build/san/tests/s3/s3tool.o
	$(SAN_CC) $(SAN_CFLAGS) -o $@ $^ $(LIBS)

build/san/unit: $(SAN_OBJ) $(SAN_UNIT)
	$(SAN_CC) $(SAN_CFLAGS) -o $@ $^ $(LIBS)

build/dbg/unit: $(DBG_OBJ) $(DBG_UNIT)
	$(CC) $(DBG_CFLAGS) -o $@ $^ $(LIBS)

build/dbg/kubectl-cnpgops: $(DBG_OBJ) $(patsubst %.c,build/dbg/%.o,$(CMD))
	$(CC) $(DBG_CFLAGS) -o $@ $^ $(LIBS)

headertest:
	@for h in include/*.h; do \
		printf '#include "%s"\n' "$${h##*/}" | \
		$(CC) $(BASE_CFLAGS) -fsyntax-only -x c - || exit 1; \
	done; echo "headers: each compiles on its own"

unit: build/san/unit
	ASAN_OPTIONS=detect_leaks=1 ./build/san/unit $(FILTER)

cli: build/san/kubectl-cnpgops kubectl-cnpgops build/san/s3tool
	CNPGOPS_BIN=$(CURDIR)/build/san/kubectl-cnpgops \
	  sh tests/cli/run.sh $(FILTER)

check: kubectl-cnpgops headertest build/san/unit build/san/kubectl-cnpgops \
       build/san/s3tool
	@rm -f build/results
	ASAN_OPTIONS=detect_leaks=1 ./build/san/unit $(FILTER) | tee -a build/results
	CNPGOPS_BIN=$(CURDIR)/build/san/kubectl-cnpgops \
	  sh tests/cli/run.sh $(FILTER) | tee -a build/results
	@sh tests/summary.sh build/results

valgrind: build/dbg/unit build/dbg/kubectl-cnpgops
	valgrind -q --error-exitcode=99 --leak-check=full \
	  --errors-for-leak-kinds=definite,indirect \
	  --suppressions=tests/valgrind.supp ./build/dbg/unit $(FILTER)
	CNPGOPS_BIN=$(CURDIR)/build/dbg/kubectl-cnpgops CNPGOPS_VALGRIND=1 \
	  sh tests/cli/run.sh $(FILTER)

lint:
	clang-format --dry-run --Werror cmd/*.c src/*.c include/*.h tests/unit/*.c tests/unit/*.h
	cppcheck --enable=warning,style,performance,portability --error-exitcode=1 \
	  --inline-suppr --std=c11 -Iinclude -D_GNU_SOURCE \
	  --suppress=missingIncludeSystem -q cmd src
	clang-tidy -quiet cmd/*.c src/*.c -- -std=c11 -D_GNU_SOURCE -Iinclude $(PKG_CFLAGS)
	sh tests/banned.sh

format:
	clang-format -i cmd/*.c src/*.c include/*.h tests/unit/*.c tests/unit/*.h

install: kubectl-cnpgops
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 kubectl-cnpgops $(DESTDIR)$(BINDIR)/kubectl-cnpgops
	install -m 644 man/kubectl-cnpgops.1 $(DESTDIR)$(MANDIR)/man1/kubectl-cnpgops.1

deps:
	sh tests/deps.sh

clean:
	rm -rf build kubectl-cnpgops

.PHONY: all check unit cli valgrind lint format install deps clean headertest
