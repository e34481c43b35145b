# The Health Watch server image: docker build -t healthwatch .
# Configuration comes from the environment (HEALTHWATCH_*, see README "Configuration") and secret
# files (HEALTHWATCH_TOKENS_FILE, HEALTHWATCH_MYSQL_PASSWORD_FILE). It listens on all interfaces, so
# it refuses to start without a tokens file.

# --- build: the shaded jar from the Maven build (tests run in CI, not here) ---
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY core core
COPY storage-disk storage-disk
COPY storage-mysql storage-mysql
COPY server server
COPY integration-tests/pom.xml integration-tests/pom.xml
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -pl server -am -DskipTests package

# --- run: a JRE and the jar, as an unprivileged user ---
FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 healthwatch \
 && useradd --system --uid 10001 --gid healthwatch --home-dir /var/lib/healthwatch --shell /usr/sbin/nologin healthwatch \
 && mkdir -p /var/lib/healthwatch/data \
 && chown -R healthwatch:healthwatch /var/lib/healthwatch
COPY --from=build /src/server/target/healthwatch.jar /opt/healthwatch/healthwatch.jar
# the class-data archive (README "Start-up"), made by this image's JVM for this jar at this path:
# a training run starts the server on a temporary store, exercises the API and stops
RUN java -XX:ArchiveClassesAtExit=/opt/healthwatch/healthwatch.jsa -Xlog:cds=off \
      -jar /opt/healthwatch/healthwatch.jar class-data-training
ENV HEALTHWATCH_HOST=0.0.0.0 \
    HEALTHWATCH_PORT=8080 \
    HEALTHWATCH_DATA_DIR=/var/lib/healthwatch/data \
    HEALTHWATCH_LOG_FORMAT=json
USER healthwatch
WORKDIR /var/lib/healthwatch
VOLUME /var/lib/healthwatch/data
# the API, and the cluster member port (only with HEALTHWATCH_CLUSTER_MEMBERS)
EXPOSE 8080 5701
# no curl in the image: bash asks /health/ready itself and wants a 200
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/${HEALTHWATCH_PORT:-8080} && printf "GET /health/ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" >&3 && head -n 1 <&3 | grep -q " 200 "'
# exec form: java is PID 1 and gets SIGTERM itself (graceful stop, exit 0)
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:SharedArchiveFile=/opt/healthwatch/healthwatch.jsa", "-jar", "/opt/healthwatch/healthwatch.jar"]
CMD ["serve"]
