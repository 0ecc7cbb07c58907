package dev.grpo.trainer.run;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.reward.RewardClient;
import dev.grpo.api.rollout.RolloutClient;
import dev.grpo.api.run.RunSpec;
import dev.grpo.trainer.config.TrainerProperties;
import dev.grpo.trainer.data.DataSpecCheck;
import dev.grpo.web.InvalidRequestException;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.support.RestClientAdapter;
import org.springframework.web.service.invoker.HttpServiceProxyFactory;

/**
 * Everything a spec is checked for at the door beyond its own fields: the cross-field rules, the
 * file paths (confined to the configured roots) and, when {@code grpo.trainer.check-services} is
 * on, the rules, their params and the backend against the services. Every problem is reported at
 * once, and nothing is created while any remains.
 */
@Component
public class RunSpecChecks {

  private final SpecPaths paths;
  private final SpecServices services;

  RunSpecChecks(TrainerProperties properties) {
    this.paths = new SpecPaths(properties.effectiveDataRoots(), properties.effectiveModelRoots());
    this.services =
        properties.checkServices()
            ? new SpecServices(
                client(properties, properties.rewardUrl()).createClient(RewardClient.class),
                client(properties, properties.rolloutUrl()).createClient(RolloutClient.class))
            : null;
  }

  /** Throws {@link InvalidRequestException} naming every problem, or a 503 problem. */
  public void check(RunSpec spec) {
    List<FieldProblem> problems = new ArrayList<>(spec.crossFieldProblems());
    problems.addAll(paths.problems(spec));
    if (problems.isEmpty()) {
      // the files, read only once their paths are known to be inside the configured roots
      problems.addAll(DataSpecCheck.problems(spec));
      problems.addAll(LoraSpecCheck.problems(spec));
    }
    if (problems.isEmpty() && services != null) {
      // the services are asked only about a spec that is otherwise fine
      problems.addAll(services.problems(spec));
    }
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(problems);
    }
  }

  private static HttpServiceProxyFactory client(TrainerProperties properties, URI baseUrl) {
    HttpClient http =
        HttpClient.newBuilder()
            .connectTimeout(properties.checkTimeout())
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(http);
    factory.setReadTimeout(properties.checkTimeout());
    RestClient rest =
        RestClient.builder()
            .baseUrl(baseUrl.toString())
            .requestFactory(factory)
            .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + properties.apiKey())
            .build();
    return HttpServiceProxyFactory.builderFor(RestClientAdapter.create(rest)).build();
  }
}
