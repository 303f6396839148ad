# Shared set-up for the README's commands: install what is missing, idempotently, and set the
# cargo target directory outside the clone (kept between runs for speed).

die() { echo "error: $*" >&2; exit 1; }

# ensure_apt PKG...: installs the Debian packages that are not installed yet.
ensure_apt() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep "install ok installed" >/dev/null || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing Debian packages: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "could not install: ${missing[*]}"
}

ENGINE_PACKAGES=(build-essential pkg-config libssl-dev openssl ca-certificates dbus gnome-keyring libsecret-tools)
TEST_PACKAGES=(dovecot-core dovecot-imapd procps dnsmasq-base iproute2 dbus-daemon)

ensure_rust() {
  command -v cargo >/dev/null || die "cargo is not installed: install Rust (https://rustup.rs) and run this again"
}

ensure_nextest() {
  cargo nextest --version >/dev/null 2>&1 && return 0
  echo "Installing cargo-nextest" >&2
  cargo install cargo-nextest --locked >/dev/null || die "could not install cargo-nextest"
}

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mailbell/target}"
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# with_keyring CMD...: runs CMD on a private session bus with a fresh, unlocked gnome-keyring
# (the real Secret Service), in a throw-away HOME so the user's own keyring is never touched.
with_keyring() {
  local work
  work=$(mktemp -d "${TMPDIR:-/tmp}/mailbell-keyring.XXXXXX")
  mkdir -p "$work/home" "$work/run"
  chmod 700 "$work/run"
  HOME="$work/home" XDG_RUNTIME_DIR="$work/run" dbus-run-session -- sh -c '
    printf %s mailbell-test-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null \
      || { echo "error: gnome-keyring-daemon did not start" >&2; exit 1; }
    # Fail loudly, not later and obscurely, when the Secret Service does not answer.
    printf %s probe | secret-tool store --label=mailbell-probe mailbell-probe 1 \
      || { echo "error: the Secret Service (gnome-keyring) does not answer on the session bus" >&2; exit 1; }
    secret-tool clear mailbell-probe 1
    exec "$@"' sh "$@"
  local rc=$?
  rm -rf "$work"
  return $rc
}
