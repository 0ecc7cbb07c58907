package dev.grpo.reward.remote;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Remote reward rules ({@code grpo.reward.remote.*}).
 *
 * @param allowedHosts where a registered rule URL may point, so the registration API cannot be used
 *     to make this service call arbitrary addresses: each entry is {@code host}, {@code host:port}
 *     or {@code host:port/path-prefix} (case-insensitive host, exact port, path prefix on segment
 *     boundaries); a bare host admits every port of it and is meant for development only
 * @param healthInterval how often every registered rule's {@code GET {url}/health} is checked
 * @param maxResponseSize the largest answer read from a rule; a larger one is an ERROR
 * @param maxAbsScore the largest score magnitude a rule may answer; beyond it the result is ERROR
 * @param maxConcurrentCalls each rule's bulkhead: its calls in flight at once; 0 means one less
 *     than the scoring threads (at least 1), so one hung rule always leaves a thread to the others
 * @param bulkheadWait how long a call waits for a slot of a full bulkhead once the rule looks
 *     stuck, before it is a TIMEOUT
 * @param stuckAfter how long the oldest call in flight may run before the rule looks stuck; until
 *     then calls that find the bulkhead full wait their turn (up to the rule's timeout)
 */
@Validated
@ConfigurationProperties("grpo.reward.remote")
public record RemoteRuleProperties(
    @DefaultValue({"localhost", "127.0.0.1"}) @NotEmpty List<String> allowedHosts,
    @DefaultValue("30s") Duration healthInterval,
    @DefaultValue("4MB") DataSize maxResponseSize,
    @DefaultValue("1000000") double maxAbsScore,
    @DefaultValue("0") @Min(0) int maxConcurrentCalls,
    @DefaultValue("50ms") Duration bulkheadWait,
    @DefaultValue("1s") Duration stuckAfter) {}
