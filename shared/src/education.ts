import { ok, type Result, refuse } from './result';

export interface QuizOption {
  readonly id: string;
  readonly text: string;
}

export interface QuizQuestion {
  readonly id: string;
  readonly text: string;
  readonly options: readonly QuizOption[];
  readonly correctOptionId: string;
  readonly explanation: string;
}

/** Correct answers needed to pass the 10-question risk-education quiz. */
export const QUIZ_PASS_MIN = 8;

const q = (
  id: string,
  text: string,
  options: [string, string][],
  correctOptionId: string,
  explanation: string,
): QuizQuestion => ({
  id,
  text,
  options: options.map(([oid, otext]) => ({ id: oid, text: otext })),
  correctOptionId,
  explanation,
});

/** The risk-education quiz (风险教育测验) shown after the 5-minute video. */
export const QUIZ_QUESTIONS: readonly QuizQuestion[] = [
  q(
    'q1',
    '借款页面上同时展示的日利率、月利率和年化利率,哪一个最能反映借款的真实总成本?',
    [
      ['a', '日利率,因为数字最小'],
      ['b', '年化利率(APR),它包含利息和所有费用'],
      ['c', '月利率'],
      ['d', '三者没有区别'],
    ],
    'b',
    '年化利率按内部收益率(IRR)计算,包含利息和服务费等全部成本,是比较不同借款最可靠的指标。',
  ),
  q(
    'q2',
    '每月收取0.6%的分期服务费、共12期,实际年化成本大约是多少?',
    [
      ['a', '7.2%'],
      ['b', '0.6%'],
      ['c', '约13%'],
      ['d', '6%'],
    ],
    'c',
    '本金逐月归还,但手续费按初始本金收取,实际占用资金越来越少,按IRR折算年化约13.03%,而不是简单相乘的7.2%。',
  ),
  q(
    'q3',
    '提前还清借款时,以下哪项说法正确?',
    [
      ['a', '需要支付提前还款违约金'],
      ['b', '利息只计算到还款当天,不收违约金'],
      ['c', '要支付全部剩余利息'],
      ['d', '不能提前还款'],
    ],
    'b',
    '本产品取消了提前还款违约金,利息只计算到实际还款日。',
  ),
  q(
    'q4',
    '借款逾期后会发生什么?',
    [
      ['a', '没有任何影响'],
      ['b', '按逾期本金每日0.05%收取罚息,并可能影响信用记录'],
      ['c', '只需下个月一起还'],
      ['d', '额度自动提高'],
    ],
    'b',
    '逾期会按未还逾期本金每日0.05%计收罚息,并可能被报送征信,影响今后借款。',
  ),
  q(
    'q5',
    '关于还款宽限期,哪项正确?',
    [
      ['a', '每年最多2次,每次最多3天,不算逾期但利息照常计算'],
      ['b', '可以无限次使用'],
      ['c', '宽限期内免息'],
      ['d', '宽限期会产生逾期记录'],
    ],
    'a',
    '宽限期每年可用2次、每次最长3天,不产生逾期记录,但正常利息继续计算。',
  ),
  q(
    'q6',
    '在冷静期内(24小时)取消借款,需要付出什么代价?',
    [
      ['a', '支付全部利息'],
      ['b', '支付违约金'],
      ['c', '无需任何费用'],
      ['d', '扣减信用分'],
    ],
    'c',
    '借款超过月收入60%(或月收入低于5,000元且借款超过3,000元)时有24小时冷静期,期间可免费取消。',
  ),
  q(
    'q7',
    '每月还款额占月收入的比例多少时,借贷健康度开始明显下降?',
    [
      ['a', '超过20%'],
      ['b', '超过90%才有影响'],
      ['c', '与收入无关'],
      ['d', '超过200%'],
    ],
    'a',
    '负债收入比超过20%后健康度评分逐步降低,达到70%时该项得分为0;健康度低于60分将暂停借款。',
  ),
  q(
    'q8',
    '有人自称"客服",要求你提供验证码或转账"解冻额度",你应该怎么做?',
    [
      ['a', '按要求操作'],
      ['b', '先转一小笔试试'],
      ['c', '拒绝,并通过官方渠道核实或投诉'],
      ['d', '把银行卡密码告诉对方'],
    ],
    'c',
    '正规机构不会索要验证码、密码或要求转账解冻,遇到此类要求请立即拒绝并通过官方客服核实。',
  ),
  q(
    'q9',
    '同时向多家机构借款(多头借贷)会带来什么影响?',
    [
      ['a', '提高信用评分'],
      ['b', '增加还款压力,降低借贷健康度'],
      ['c', '没有影响'],
      ['d', '可以降低利率'],
    ],
    'b',
    '多头借贷会叠加还款压力,健康度评分中每多一家借款机构扣4分。',
  ),
  q(
    'q10',
    '借款前最重要的准备是什么?',
    [
      ['a', '只看能借多少'],
      ['b', '评估用途和还款能力,按需借款'],
      ['c', '尽量借满额度'],
      ['d', '选择期限最长的方案'],
    ],
    'b',
    '理性借贷:先明确用途,评估每月还款能力,只借需要的金额,并比较年化利率。',
  ),
];

export interface QuizAnswer {
  readonly questionId: string;
  readonly optionId: string;
}

export interface QuizResult {
  readonly passed: boolean;
  /** Number of correct answers (0–10). */
  readonly score: number;
  readonly results: readonly {
    questionId: string;
    correct: boolean;
    correctOptionId: string;
    explanation: string;
  }[];
}

/**
 * Grades an attempt: every question must be answered exactly once (else `quiz_answers_incomplete`
 * with the first offending question id in `param`); passing needs 8 of 10. The result always
 * shows the right answers and explanations so the person can learn and retry.
 */
export function gradeQuiz(answers: readonly QuizAnswer[]): Result<QuizResult, 'quiz_answers_incomplete'> {
  const byQuestion = new Map<string, string>();
  for (const a of answers) {
    if (byQuestion.has(a.questionId))
      return refuse(
        'quiz_answers_incomplete',
        'each question must be answered once',
        `answers.${a.questionId}`,
      );
    byQuestion.set(a.questionId, a.optionId);
  }
  for (const a of answers) {
    if (!QUIZ_QUESTIONS.some((x) => x.id === a.questionId))
      return refuse('quiz_answers_incomplete', 'unknown question', `answers.${a.questionId}`);
  }
  let score = 0;
  const results: QuizResult['results'][number][] = [];
  for (const question of QUIZ_QUESTIONS) {
    const chosen = byQuestion.get(question.id);
    if (chosen === undefined)
      return refuse('quiz_answers_incomplete', 'every question must be answered', `answers.${question.id}`);
    const correct = chosen === question.correctOptionId;
    if (correct) score += 1;
    results.push({
      questionId: question.id,
      correct,
      correctOptionId: question.correctOptionId,
      explanation: question.explanation,
    });
  }
  return ok({ passed: score >= QUIZ_PASS_MIN, score, results });
}

/** Questions as shown before answering (without answers or explanations). */
export function publicQuiz(): { id: string; text: string; options: QuizOption[] }[] {
  return QUIZ_QUESTIONS.map((x) => ({ id: x.id, text: x.text, options: [...x.options] }));
}
