# newsfold — build, test, bench, fuzz.
#   make            library + CLI (build/newsfold)
#   make test       deps, build, every test (SAN=1 for ASan+UBSan, WERROR=1 for -Werror)
#   make demo       deps, build, run the main job on ../shared
#   make bench      benchmarks (never part of the test run)
#   make fuzz       each libFuzzer target for FUZZ_SECONDS (clang)
#   make deps       install missing Debian packages (scripts/deps.sh)
#   make mpi        MPI-enabled program build/mpi/newsfold (mpicc; docs/mpi.md)

ifeq ($(origin CC),default)
CC      = gcc
endif
SHARED  ?= $(abspath ../shared)
PKGS    := libutf8proc libxxhash zlib libzstd jansson sqlite3 gumbo libmicrohttpd
SAN     ?= 0
WERROR  ?= 0
BUILD   ?= build$(if $(filter 1,$(SAN)),-san)

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lstemmer -lm -lpthread

CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wno-unused-parameter \
           -Iinclude -Isrc $(PKG_CFLAGS) -MMD -MP
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(WERROR),1)
CFLAGS  += -Werror
endif
ifneq ($(SAN),1)
CFLAGS  += -march=native
endif

LIB_SRC   := $(wildcard src/*.c)
CLI_SRC   := $(wildcard cli/*.c)
TEST_SRC  := $(wildcard tests/test_*.c)
BENCH_SRC := $(wildcard bench/bench_*.c)
FUZZ_SRC  := $(wildcard fuzz/fuzz_*.c)

LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/%.o)
LIB       := $(BUILD)/libnewsfold.a
BIN       := $(BUILD)/newsfold
TESTS     := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCHES   := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
REPLAYS   := $(FUZZ_SRC:fuzz/%.c=$(BUILD)/fuzz/replay_%)
MPICC   ?= mpicc
MPI_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard mpi/*.c))
MPI_WHEN_PRESENT := $(if $(shell command -v $(MPICC) 2>/dev/null),mpi)

.PHONY: all deps test unit demo bench fuzz clean mpi
all: $(BIN)

deps:
	@sh scripts/deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) $(CLI_OBJ) $(LIB) $(PKG_LIBS) -o $@

$(BUILD)/tests/%: tests/%.c $(wildcard tests/*.h) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(LIB) $(PKG_LIBS) -o $@

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(LIB) $(PKG_LIBS) -o $@

# Replay drivers: each fuzz target linked with a main() that feeds it every saved corpus file.
$(BUILD)/fuzz/replay_%: fuzz/%.c fuzz/replay.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $< fuzz/replay.c $(LIB) $(PKG_LIBS) -o $@

# bench_dedup too: its corpus generator makes the 100k-article corpus of tests/cli/mpi_100k.sh
unit: $(BIN) $(TESTS) $(REPLAYS) $(MPI_WHEN_PRESENT) $(BUILD)/bench/bench_dedup

# Under SAN=1 the code is compiled without -march=native, so paths written for the machine's
# vector units (#ifdef __AVX512F__ in story.c and terms.c) are not: the tests of those files are
# also built natively (build/) and run, so CI exercises both paths.
NATIVE_TESTS := $(if $(filter 1,$(SAN)),$(patsubst tests/%.c,build/tests/%,$(wildcard \
                  tests/test_story.c tests/test_terms.c tests/test_foldpipe.c tests/test_token.c)))

test: deps
	@$(MAKE) --no-print-directory unit
	$(if $(NATIVE_TESTS),@$(MAKE) --no-print-directory SAN= WERROR=$(WERROR) $(NATIVE_TESTS))
	@BUILD=$(BUILD) SHARED=$(SHARED) NATIVE="$(NATIVE_TESTS)" sh tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) SHARED=$(SHARED) sh scripts/demo.sh

bench: $(BIN) $(BENCHES)
	@BUILD=$(BUILD) SHARED=$(SHARED) sh bench/run.sh

# MPI program (issue 8): mpi/*.c compiled with mpicc -DNF_MPI; cli/main.c is compiled again with
# its main() renamed nf_cli_main, which mpi/main.c wraps. The plain build never sees MPI.
mpi: $(BUILD)/mpi/newsfold

$(BUILD)/mpi/%.o: mpi/%.c
	@mkdir -p $(dir $@)
	$(MPICC) $(CFLAGS) -DNF_MPI -Icli -c $< -o $@

$(BUILD)/mpi/cli_main.o: cli/main.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Dmain=nf_cli_main -c $< -o $@

$(BUILD)/mpi/newsfold: $(MPI_OBJ) $(BUILD)/mpi/cli_main.o $(filter-out $(BUILD)/cli/main.o,$(CLI_OBJ)) $(LIB)
	$(MPICC) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

FUZZ_SECONDS ?= 60
fuzz:
	@BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) sh fuzz/run.sh

clean:
	rm -rf build build-san

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(MPI_OBJ:.o=.d) $(BUILD)/mpi/cli_main.d
