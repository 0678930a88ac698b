#!/usr/bin/env bash
# Installs what building and testing Bianmin needs on Debian 12 / Ubuntu, and
# nothing that is already there. Safe to run again: it only says what it installs.
#   - gcc, pkg-config: cgo (Fyne's GL driver, mattn/go-sqlite3)
#   - libgl1-mesa-dev, xorg-dev: headers for Fyne's GLFW driver
#   - xvfb, xauth, imagemagick, x11-utils, xdotool: run the kiosk headless, screenshot it
#   - curl: make demo waits for officed to answer
#   - rime-data-pinyin-simp: the source of assets/pinyin/chars.txt, which the assets tests check
#   - chromium: the headless browser the back office's tests drive (office/backoffice)
set -euo pipefail

need=(gcc pkg-config libgl1-mesa-dev xorg-dev xvfb xauth imagemagick x11-utils xdotool curl rime-data-pinyin-simp chromium)

if ! command -v go >/dev/null 2>&1; then
  echo "setup: Go is not installed (https://go.dev/doc/install); it is the one thing to install by hand" >&2
  exit 1
fi

missing=()
for p in "${need[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: missing packages: ${missing[*]} — install them with your package manager" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
