# Sourced by the launcher and CI: finds a JDK 21+ and exports JAVA_HOME and PATH.
# Order: $JAVA_HOME if it is 21+, then the newest JDK under /usr/lib/jvm, then `java` on PATH.
msgstore_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1
}
msgstore_find_jdk() {
  local candidate major best="" best_major=0
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/* "$(dirname "$(dirname "$(readlink -f "$(command -v javac 2>/dev/null || echo /nonexistent)")")")"; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(msgstore_java_major "$candidate")
    major=${major%%.*}
    [ -n "$major" ] || continue
    if [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
      best="$candidate"; best_major=$major
    fi
  done
  if [ -z "$best" ]; then
    echo "msgstore needs a JDK 21 or newer; none found in \$JAVA_HOME or /usr/lib/jvm." >&2
    echo "Install one (for example: apt-get install openjdk-21-jdk-headless) and try again." >&2
    return 1
  fi
  export JAVA_HOME="$best"
  export PATH="$JAVA_HOME/bin:$PATH"
}
