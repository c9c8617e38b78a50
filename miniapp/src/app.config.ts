export default defineAppConfig({
  // Main package: the four tab pages only (kept small: target ≤ 600 KB).
  pages: ['pages/index/index', 'pages/borrow/index', 'pages/bills/index', 'pages/me/index'],
  subPackages: [
    { root: 'pkg-loan', pages: ['repay/index'] },
    { root: 'pkg-checkout', pages: ['checkout/index', 'partner/index'] },
    { root: 'pkg-credit', pages: ['apply/index', 'temporary/index'] },
    { root: 'pkg-care', pages: ['education/index', 'health/index', 'authorizations/index'] },
  ],
  window: {
    backgroundTextStyle: 'light',
    navigationBarBackgroundColor: '#ffffff',
    navigationBarTitleText: '分期',
    navigationBarTextStyle: 'black',
    backgroundColor: '#f5f6f8',
  },
  tabBar: {
    color: '#80858f',
    selectedColor: '#1f6feb',
    backgroundColor: '#ffffff',
    borderStyle: 'white',
    list: [
      { pagePath: 'pages/index/index', text: '首页' },
      { pagePath: 'pages/borrow/index', text: '借款' },
      { pagePath: 'pages/bills/index', text: '账单' },
      { pagePath: 'pages/me/index', text: '我的' },
    ],
  },
});
