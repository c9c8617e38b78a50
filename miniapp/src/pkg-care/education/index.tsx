import { Text, View } from '@tarojs/components';
import { useState } from 'react';
import { ErrorNotice } from '../../components/error-notice';
import { StateView } from '../../components/state-view';
import { SubmitButton } from '../../components/submit-button';
import { errorActionHandler, go, useResource } from '../../hooks';
import { ApiError, api } from '../../services/api';
import { describeError, type ErrorView, PAGES } from '../../services/errors';
import { idempotencyKeys } from '../../services/idempotency';
import type { QuizResult } from '../../services/types';
import './index.scss';

export default function Education() {
  const { data, loading, error, reload } = useResource(() => api.quiz());
  const [watched, setWatched] = useState(false);
  const [answers, setAnswers] = useState<Record<string, string>>({});
  const [result, setResult] = useState<QuizResult | null>(null);
  const [failure, setFailure] = useState<ErrorView | null>(null);
  const questions = data?.questions ?? [];
  const complete = questions.length > 0 && questions.every((q) => answers[q.id]);

  const submit = async () => {
    setFailure(null);
    const body = questions.map((q) => ({ question_id: q.id, option_id: answers[q.id] ?? '' }));
    try {
      const r = await api.submitQuiz(body, idempotencyKeys.keyFor('quiz', body));
      idempotencyKeys.settle('quiz');
      setResult(r);
    } catch (e) {
      if (e instanceof ApiError && e.status < 500) idempotencyKeys.settle('quiz');
      setFailure(describeError(e));
    }
  };

  const resultFor = (id: string) => result?.results.find((r) => r.question_id === id);

  return (
    <View className="page page-education">
      <View className="card">
        <Text className="card__title">借款前，先花 5 分钟了解风险</Text>
        <View className="edu-video" id="education-video" onClick={() => setWatched(true)}>
          <Text className="edu-video__play">{watched ? '✓' : '▶'}</Text>
          <Text className="edu-video__caption">
            {watched ? '已观看：理性借贷与三率并行' : '风险教育视频（约 5 分钟）· 点击播放'}
          </Text>
        </View>
        <Text className="muted">
          视频讲解：年化利率（APR）怎么看、按时还款的重要性、冷静期、逾期罚息和如何识别诈骗。看完后回答 10
          道题，答对 8 道即通过。
        </Text>
      </View>

      {result ? (
        <View className={`notice ${result.passed ? 'notice--ok' : ''}`} id="quiz-result">
          <Text className="notice__title">{result.passed ? '恭喜，测验通过' : '还差一点，没有通过'}</Text>
          <Text>
            答对 {result.score} 题。{result.passed ? '现在可以借款了。' : '看看下面的讲解，再试一次。'}
          </Text>
          <View className="actions">
            {result.passed ? (
              <SubmitButton id="quiz-go-borrow" onSubmit={() => go(PAGES.borrow)}>
                去借款
              </SubmitButton>
            ) : (
              <SubmitButton
                id="quiz-retry"
                type="default"
                onSubmit={() => {
                  setResult(null);
                  setAnswers({});
                }}
              >
                再试一次
              </SubmitButton>
            )}
          </View>
        </View>
      ) : null}

      <StateView loading={loading && !data} error={error} onErrorAction={errorActionHandler(reload)}>
        {watched || result ? (
          <View className="card" id="quiz">
            <Text className="card__title">小测验（{questions.length} 题）</Text>
            {questions.map((q, index) => {
              const r = resultFor(q.id);
              return (
                <View className="quiz-q" key={q.id} data-testid="quiz-question">
                  <Text className="quiz-q__text">
                    {index + 1}. {q.text}
                  </Text>
                  {q.options.map((o) => {
                    const chosen = answers[q.id] === o.id;
                    const right = r && r.correct_option_id === o.id;
                    const wrong = r && chosen && !r.correct;
                    return (
                      <View
                        key={o.id}
                        role="radio"
                        aria-checked={chosen}
                        data-option-id={o.id}
                        className={`quiz-o${chosen ? ' quiz-o--on' : ''}${right ? ' quiz-o--right' : ''}${wrong ? ' quiz-o--wrong' : ''}`}
                        onClick={() => {
                          if (!result) setAnswers({ ...answers, [q.id]: o.id });
                        }}
                      >
                        <Text>{o.text}</Text>
                      </View>
                    );
                  })}
                  {r ? (
                    <Text className={`quiz-q__explain${r.correct ? '' : ' quiz-q__explain--wrong'}`}>
                      {r.correct ? '回答正确。' : '回答错误。'}
                      {r.explanation}
                    </Text>
                  ) : null}
                </View>
              );
            })}
            {failure ? <ErrorNotice error={failure} /> : null}
            {!result ? (
              <View className="actions">
                <SubmitButton id="submit-quiz" disabled={!complete} onSubmit={submit}>
                  提交答案
                </SubmitButton>
              </View>
            ) : null}
          </View>
        ) : (
          <View className="card">
            <Text className="muted">请先观看视频，然后开始测验。</Text>
          </View>
        )}
      </StateView>
    </View>
  );
}
