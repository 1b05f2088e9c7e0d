# The two commands of README.md: `make run` and `make test`.
.PHONY: run test build lint protos fuzz clean

SWIFT ?= swift

## Build and start the daemon on its embedded defaults (SQLite and TLS files in ./.catalog);
## ARGS="--flag value" adds flags to `catalogd serve`.
run: build
	$$($(SWIFT) build --show-bin-path)/catalogd serve $(ARGS)

## Install what is missing, start the services tests need, and run every test.
test:
	scripts/test

build:
	scripts/bootstrap
	$(SWIFT) build --product catalogd
	$(SWIFT) build --product rpc-client
	@echo "rpc-client is at $$($(SWIFT) build --show-bin-path)/rpc-client"

## Check formatting (swift format, configured by .swift-format); generated code is left as generated.
lint:
	find Sources Tests Benchmarks Fuzz -name '*.swift' -not -path 'Sources/Codec/Generated/*' -not -path '*/.build*' -print0 \
		| xargs -0 $(SWIFT) format lint --strict

## Fuzz each reader of untrusted bytes for FUZZ_SECONDS (default 600) with libFuzzer and AddressSanitizer.
fuzz:
	scripts/fuzz

## Regenerate Sources/Codec/Generated from Protos/.
protos:
	scripts/generate-protos

clean:
	rm -rf .build .build-protoc
