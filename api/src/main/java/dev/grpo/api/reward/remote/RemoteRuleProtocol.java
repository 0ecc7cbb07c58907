package dev.grpo.api.reward.remote;

/**
 * The paths of a remote rule service, relative to the base URL registered with {@code POST
 * /api/v1/rules}.
 *
 * <ul>
 *   <li>{@code POST {url}/score}: a {@link RemoteScoreRequest} with the items of one group,
 *       answered with a {@link RemoteScoreResponse} holding one result per item, in the same order.
 *   <li>{@code GET {url}/health}: any 2xx when the service can score; checked at registration and
 *       periodically ({@code grpo.reward.remote.health-interval}).
 * </ul>
 */
public final class RemoteRuleProtocol {

  public static final String SCORE_PATH = "/score";
  public static final String HEALTH_PATH = "/health";

  private RemoteRuleProtocol() {}
}
