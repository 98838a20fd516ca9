# Compiles DuckDB's (and SQLite's) C/C++ once per machine, whatever cargo selects: source this
# file and call `build_cache_setup`. It points CC and CXX at scripts/compiler-cache, installed
# under a fixed path (cc-rs reruns a build script when CC or CXX change, so the value must not
# depend on where the clone is), with ccache's cache in ~/.cache/anytable-ccache. A machine
# without ccache gets Debian's package when the script runs as root; where that is not possible
# the build still works, compiling without a cache, and this says so.

build_cache_setup() {
    local home="${ANYTABLE_CCACHE_HOME:-$HOME/.cache/anytable-ccache}"
    local here
    here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
    if ! command -v ccache >/dev/null 2>&1; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "installing Debian's ccache, so that DuckDB's C++ compiles once per machine"
            { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ccache; } \
                >/dev/null 2>&1 || true
        fi
    fi
    mkdir -p "$home/bin" "$home/cache"
    local name
    for name in cc c++; do
        if ! cmp -s "$here/compiler-cache" "$home/bin/$name"; then
            cp "$here/compiler-cache" "$home/bin/$name.new"
            chmod +x "$home/bin/$name.new"
            mv "$home/bin/$name.new" "$home/bin/$name"
        fi
    done
    export CC="$home/bin/cc" CXX="$home/bin/c++"
    export ANYTABLE_CCACHE_DIR="$home/cache"
    if command -v ccache >/dev/null 2>&1; then
        # DuckDB's objects take about 70 MB per set of compiler flags; leave room for several.
        CCACHE_DIR="$ANYTABLE_CCACHE_DIR" ccache --max-size=5G >/dev/null
        echo "compiler cache: ccache in $ANYTABLE_CCACHE_DIR ($(CCACHE_DIR="$ANYTABLE_CCACHE_DIR" ccache --show-stats 2>/dev/null | awk '/Cache size/ {print $4 " GB"; exit}') used)"
    else
        echo "NOTE: no ccache (install Debian's ccache): C and C++ compile without a cache, so any change of cargo's feature graph recompiles DuckDB (20-40 minutes)"
    fi
}
