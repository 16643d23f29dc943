/**
 * What robot users say in the load and chaos tests: each guided flow in both
 * languages, one message a turn, with the step each answer must bring
 * (the flow's last step carries the ticket).
 */
export type RobotFlow = 'leakReport' | 'dataRequest' | 'minorConsent';
export type RobotLocale = 'en-US' | 'zh-CN';

export interface RobotScript {
  readonly flow: RobotFlow;
  readonly locale: RobotLocale;
  /** [what the robot says, the step the reply must be at]. */
  readonly turns: readonly (readonly [text: string, step: string])[];
  /** The reference the flow's ticket starts with. */
  readonly ticketPrefix: string;
}

export const ROBOT_SCRIPTS: readonly RobotScript[] = [
  { flow: 'leakReport', locale: 'en-US', ticketPrefix: 'LK-', turns: [
    ['Someone hacked my account and changed my password', 'when'],
    ['this morning', 'contact'],
    ['13812345678', 'confirm'],
    ['yes', 'submitted'],
  ] },
  { flow: 'leakReport', locale: 'zh-CN', ticketPrefix: 'LK-', turns: [
    ['我想报告信息泄露', 'whatLeaked'],
    ['2和6', 'howNoticed'],
    ['第二个', 'when'],
    ['昨天', 'contact'],
    ['幺三八 一二三四 五六七八', 'confirm'],
    ['对', 'submitted'],
  ] },
  { flow: 'dataRequest', locale: 'en-US', ticketPrefix: 'DR-', turns: [
    ['How do I get a copy of all the data you hold about me?', 'account'],
    ['li.wei@example.com', 'details'],
    ['my orders and addresses', 'confirm'],
    ['yes please', 'submitted'],
  ] },
  { flow: 'dataRequest', locale: 'zh-CN', ticketPrefix: 'DR-', turns: [
    ['我要注销账号，把我的个人信息全部删掉', 'account'],
    ['13900001111', 'details'],
    ['全部数据', 'confirm'],
    ['确认', 'submitted'],
  ] },
  { flow: 'minorConsent', locale: 'en-US', ticketPrefix: 'MC-', turns: [
    ["I'm 15, can I register?", 'guardianName'],
    ['Wang Fang', 'relationship'],
    ['my mother', 'guardianContact'],
    ['wang.fang@example.com', 'handoff'],
  ] },
  { flow: 'minorConsent', locale: 'zh-CN', ticketPrefix: 'MC-', turns: [
    ['我今年15岁，可以注册吗', 'guardianName'],
    ['王芳', 'relationship'],
    ['妈妈', 'guardianContact'],
    ['13800001234', 'handoff'],
  ] },
];

/** The leak report in one language. */
export const leakScript = (locale: RobotLocale): RobotScript =>
  ROBOT_SCRIPTS.find((s) => s.flow === 'leakReport' && s.locale === locale)!;
